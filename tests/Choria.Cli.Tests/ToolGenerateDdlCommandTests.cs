using Choria.Cli.Plugins;
using Choria.Ddl;

namespace Choria.Cli.Tests;

/// <summary>
/// <c>choria tool generate ddl</c>: the questionnaire driven by scripted answers, and the conversion of an existing
/// JSON DDL to Ruby (that MCollective reads the result back is Choria.Ddl.Tests' RubyDdlWriterTests).
/// </summary>
public sealed class ToolGenerateDdlCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("choria-genddl-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly string[] s_answers =
    [
        "Acme-Util", "acme_util", "Acme utilities", "ops@example.net", "1.0", "1.0.0", "Apache-2.0", "https://example.net/acme", "20",
        "y", "restart", "Restarts a service", "sometimes", "always",
        "y", "service", "Service", "The service to restart", "string", "n", "64", "regex", "^[a-z]+$", "",
        "y", "mode", "Mode", "How to restart", "list", "y", "hard, soft", "soft",
        "y", "service", "wait", "Wait", "Seconds to wait", "integer", "y", "ten", "10",
        "n",
        "y", "status", "Service status after the restart", "string", "Status", "unknown",
        "n",
        "n",
    ];

    [Fact]
    public void The_questionnaire_builds_a_valid_ddl_re_asking_bad_answers_and_saving_each_section()
    {
        var output = new StringWriter();
        var saves = new List<string>();
        var ddl = new DdlQuestionnaire(new StringReader(string.Join("\n", s_answers) + "\n"), output, d => saves.Add(DdlLoader.ToJson(d)), echo: true).Run();

        var json = DdlLoader.ToJson(ddl);
        var loaded = DdlLoader.Parse(System.Text.Encoding.UTF8.GetBytes(json), "generated");
        Assert.True(loaded.Success, loaded.Error);
        Assert.Equal(new DdlMetadata { Name = "acme_util", Description = "Acme utilities", Author = "ops@example.net", Version = "1.0.0", License = "Apache-2.0", Url = "https://example.net/acme", Timeout = 20 }, loaded.Ddl!.Metadata);
        var action = Assert.Single(loaded.Ddl.Actions);
        Assert.Equal(("restart", "Restarts a service", "always"), (action.Action, action.Description, action.Display));
        Assert.Equal(["mode", "service", "wait"], action.Input.Keys.Order(StringComparer.Ordinal));
        var service = action.Input["service"];
        Assert.Equal(("Service", "string", false, "^[a-z]+$", 64, (System.Text.Json.JsonElement?)null), (service.Prompt, service.Type, service.Optional, service.Validation, service.MaxLength, service.Default));
        Assert.Equal(["hard", "soft"], action.Input["mode"].List!);
        Assert.Equal("soft", action.Input["mode"].Default!.Value.GetString());
        Assert.Equal(10, action.Input["wait"].Default!.Value.GetInt32());
        var status = Assert.Single(action.Output).Value;
        Assert.Equal(("Service status after the restart", "string", "Status", "unknown"), (status.Description, status.Type, status.DisplayAs, status.Default!.Value.GetString()));

        var transcript = output.ToString();
        Assert.Contains("Agent name: Acme-Util\n  Acme-Util: must match ^[a-z0-9_]+$\nAgent name: acme_util\n", transcript, StringComparison.Ordinal);
        Assert.Contains("  1.0: must be a basic semver x.y.z version", transcript, StringComparison.Ordinal);
        Assert.Contains("  sometimes: choose one of ok, failed, always", transcript, StringComparison.Ordinal);
        Assert.Contains("  ten: is not a valid integer", transcript, StringComparison.Ordinal);
        Assert.Contains("  service: input service already exists", transcript, StringComparison.Ordinal);

        // Metadata, then the action, its inputs and its outputs: a partial DDL is on disk after each.
        Assert.Equal(4, saves.Count);
        Assert.DoesNotContain("restart", saves[0], StringComparison.Ordinal);
        Assert.Equal(json, saves[^1]);
    }

    [Fact]
    public void Input_that_ends_early_says_where()
    {
        var questionnaire = new DdlQuestionnaire(new StringReader("acme\nAcme\n"), new StringWriter(), _ => { }, echo: false);
        var e = Assert.Throws<EndOfStreamException>(questionnaire.Run);
        Assert.Equal("the input ended at 'Author' before the DDL was complete", e.Message);
    }

    [Fact]
    public async Task An_existing_json_ddl_is_converted_to_ruby()
    {
        var json = Path.Combine(_dir, "rpcutil.json");
        var ruby = Path.Combine(_dir, "rpcutil.ddl");
        await File.WriteAllTextAsync(json, DdlLoader.ToJson(DdlLoader.LoadBuiltin("rpcutil").Ddl!));

        var (code, output, error) = await CliHarness.RunAsync("tool", "generate", "ddl", json, ruby, "--convert");

        Assert.True(code == 0, error);
        Assert.Contains("The JSON DDL is valid", output, StringComparison.Ordinal);
        Assert.Contains($"Wrote {ruby}", output, StringComparison.Ordinal);
        var text = await File.ReadAllTextAsync(ruby);
        Assert.StartsWith("metadata :name        => \"rpcutil\",\n", text, StringComparison.Ordinal);
        Assert.Contains("action \"ping\", :description => \"Responds to requests for PING with PONG\" do\n  display :always\n", text, StringComparison.Ordinal);
        Assert.Contains("    aggregate summary(:collectives)\n", text, StringComparison.Ordinal);

        (code, _, error) = await CliHarness.RunAsync("tool", "generate", "ddl", json, "--convert");
        Assert.Equal(1, code);
        Assert.Contains("converting to Ruby needs ruby_output", error, StringComparison.Ordinal);
    }
}
