using System.Text.Json;
using Choria.Ddl.Ruby;

namespace Choria.Ddl.Tests;

/// <summary>Ruby <c>.ddl</c> to JSON DDL with real ruby and MCollective 2.12's own DDL classes.</summary>
[Trait("Requires", "ruby")]
public sealed class RubyDdlConverterTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("choria-ddl-convert-").FullName;

    private static string AgentDir => TestPaths.Fixture("agents", "ruby", "mcollective", "agent");

    private string Cache => Path.Combine(_root, "cache");

    private RubyDdlConverter Converter(string ruby = "ruby") => new(new RubyDdlConverterOptions { Ruby = ruby, CacheDirectory = Cache });

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>The model reads both an absent default and a JSON null as null.</summary>
    private static string Raw(JsonElement? e) => e?.GetRawText() ?? "null";

    [Fact]
    public async Task A_ruby_ddl_converts_field_by_field()
    {
        var result = await Converter().LoadAsync(Path.Combine(AgentDir, "ddlonly.ddl"), CancellationToken.None);
        Assert.True(result.Success, result.Error);
        var ddl = result.Ddl!;

        Assert.Equal(new DdlMetadata
        {
            Name = "ddlonly",
            Description = "Echo agent with only a Ruby DDL",
            Author = "Choria test suite",
            License = "Apache-2.0",
            Version = "1.2.3",
            Url = "https://choria.io/",
            Timeout = 5,
        }, ddl.Metadata);
        Assert.Equal(["echo", "ping"], ddl.ActionNames());

        var echo = ddl.FindAction("echo")!;
        Assert.Equal("Echoes the message", echo.Description);
        Assert.Equal("always", echo.Display);
        Assert.Equal(["message", "count", "mode", "address"], echo.Input.Keys);

        var message = echo.Input["message"];
        Assert.Equal(("Message", "The message to echo", "string", false, "^.+$", 64, "null"), (message.Prompt, message.Description, message.Type, message.Optional, message.Validation, message.MaxLength, Raw(message.Default)));
        Assert.Null(message.List);

        var count = echo.Input["count"];
        Assert.Equal(("integer", true, "1", null, 0), (count.Type, count.Optional, Raw(count.Default), count.Validation, count.MaxLength));

        var mode = echo.Input["mode"];
        Assert.Equal(("list", true, (string?)null), (mode.Type, mode.Optional, mode.Validation));
        Assert.Equal(["plain", "loud"], mode.List!);

        Assert.Equal(("string", "ipv4address", 15), (echo.Input["address"].Type, echo.Input["address"].Validation, echo.Input["address"].MaxLength));

        Assert.Equal(["message", "count", "caller", "sender"], echo.Output.Keys);
        Assert.Equal(("The echoed message", "Message", "null"), (echo.Output["message"].Description, echo.Output["message"].DisplayAs, Raw(echo.Output["message"].Default)));
        Assert.Equal(("Count", "0"), (echo.Output["count"].DisplayAs, Raw(echo.Output["count"].Default)));

        Assert.Equal(["summary", "average"], echo.Aggregate!.Select(a => a.Function));
        Assert.Equal(["message", "count"], echo.Aggregate!.Select(a => a.OutputName));
        Assert.Equal("%.1f", echo.Aggregate![1].Args[1].GetProperty("format").GetString());

        var ping = ddl.FindAction("ping")!;
        Assert.Equal("failed", ping.Display);
        Assert.Empty(ping.Input);
        Assert.Null(ping.Aggregate);
        Assert.Equal("\"pong\"", Raw(ping.Output["pong"].Default));
    }

    [Fact]
    public async Task MCollectives_own_rpcutil_ddl_converts_to_a_valid_json_ddl()
    {
        var path = Path.Combine(_root, "rpcutil.ddl");
        File.Copy(TestPaths.Fixture("server", "ddl", "rpcutil_mcollective_2.12.5.ddl"), path);
        var result = await Converter().LoadAsync(path, CancellationToken.None);
        Assert.True(result.Success, result.Error);
        Assert.Equal(["collective_info", "inventory", "get_fact", "get_facts", "daemon_stats", "agent_inventory", "get_config_item", "get_data", "ping"], result.Ddl!.ActionNames());
        var fact = result.Ddl.FindAction("get_fact")!.Input["fact"];
        Assert.Equal(("string", "^[\\w\\-\\.]+$", 40), (fact.Type, fact.Validation, fact.MaxLength));
    }

    [Fact]
    public async Task Conversions_are_cached_outside_the_libdir_and_redone_when_the_ddl_changes()
    {
        var path = Path.Combine(_root, "ddlonly.ddl");
        File.Copy(Path.Combine(AgentDir, "ddlonly.ddl"), path);
        Assert.True((await Converter().LoadAsync(path, CancellationToken.None)).Success);
        var cached = Assert.Single(Directory.GetFiles(Cache));
        Assert.Matches("/ddlonly-[0-9a-f]{16}\\.json$", cached);
        Assert.Equal([path], Directory.GetFiles(_root));

        // Without a usable ruby only the cache can answer.
        var fromCache = await Converter("/nonexistent/ruby").LoadAsync(path, CancellationToken.None);
        Assert.True(fromCache.Success, fromCache.Error);
        Assert.Equal(path, fromCache.Ddl!.Source);

        File.WriteAllText(path, File.ReadAllText(path).Replace("Echo agent with only a Ruby DDL", "Edited description", StringComparison.Ordinal));
        var stale = await Converter("/nonexistent/ruby").LoadAsync(path, CancellationToken.None);
        Assert.False(stale.Success);
        Assert.Contains("could not start /nonexistent/ruby", stale.Error, StringComparison.Ordinal);

        var redone = await Converter().LoadAsync(path, CancellationToken.None);
        Assert.Equal("Edited description", redone.Ddl!.Metadata.Description);
        Assert.NotEqual(cached, Assert.Single(Directory.GetFiles(Cache)));
    }

    [Fact]
    public async Task A_ddl_that_does_not_load_is_an_error_naming_the_file()
    {
        var broken = Path.Combine(AgentDir, "broken.ddl");
        var result = await Converter().LoadAsync(broken, CancellationToken.None);
        Assert.False(result.Success);
        Assert.Equal($"could not convert {broken} to JSON: {broken}: RuntimeError: Input needs a :optional property", result.Error);

        var syntax = Path.Combine(_root, "syntax.ddl");
        File.WriteAllText(syntax, "metadata :name => \n action do");
        var bad = await Converter().LoadAsync(syntax, CancellationToken.None);
        Assert.Contains($"{syntax}: SyntaxError", bad.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Cache) && Directory.GetFiles(Cache).Length > 0);
    }
}
