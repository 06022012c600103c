using System.Text.Json;
using Choria.IntegrationTests.Infrastructure;

namespace Choria.IntegrationTests.Plugins;

/// <summary>
/// The round trip a user makes (docs/plugins.md): in a copy of this checkout, <c>choria tool generate agent</c>,
/// add its line to <c>packager/user_plugins.yaml</c>, <c>./build.sh</c>, run the new binary as a server and call
/// the agent with <c>choria req</c>. The same build compiles in the example agent (examples/agents/filemgr), so one
/// Native AOT build covers both. Takes minutes, so it is in the slow group.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Process)]
[Trait(TestCategory.Name, TestCategory.Slow)]
public sealed class PluginRoundTripTests(Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan s_buildTimeout = TimeSpan.FromMinutes(25);
    private readonly string _clone = Path.Combine(Path.GetTempPath(), "choria-plugins-" + Guid.NewGuid().ToString("N")[..12]);

    public async Task InitializeAsync() => await Checkout.CopyAsync(_clone);

    public Task DisposeAsync()
    {
        Directory.Delete(_clone, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_generated_agent_listed_in_user_plugins_is_compiled_in_listed_by_buildinfo_and_answers_requests()
    {
        // A binary built without the list has none of it.
        var stock = await ManagedProcess.RunAsync(ChoriaBinary.Path, ["buildinfo"], TimeSpan.FromSeconds(30));
        Assert.Contains("Compiled-in Plugins:\n\tnone\n", stock.Stdout, StringComparison.Ordinal);

        var project = Path.Combine(_clone, "plugins", "hello");
        var generated = await ManagedProcess.RunAsync(ChoriaBinary.Path, ["tool", "generate", "agent", "hello", project], TimeSpan.FromSeconds(30));
        Assert.True(generated.ExitCode == 0, generated.Stderr);
        Assert.Contains("hello: plugins/hello/Choria.Agents.Hello.csproj", generated.Stdout, StringComparison.Ordinal);
        await File.WriteAllTextAsync(Path.Combine(_clone, "packager", "user_plugins.yaml"),
            await File.ReadAllTextAsync(Path.Combine(project, "user_plugins.yaml")) + await File.ReadAllTextAsync(Path.Combine(_clone, "examples", "agents", "user_plugins.yaml")));

        var build = await ManagedProcess.RunAsync(Path.Combine(_clone, "build.sh"), [], s_buildTimeout);
        var buildOutput = build.Stdout + build.Stderr;
        Assert.True(build.ExitCode == 0, buildOutput);
        Assert.Contains(">> compiling in plugin hello (plugins/hello/Choria.Agents.Hello.csproj)", buildOutput, StringComparison.Ordinal);
        Assert.Contains(">> compiling in plugin filemgr (examples/agents/filemgr/Choria.Agents.Filemgr.csproj)", buildOutput, StringComparison.Ordinal);
        Assert.Contains("(native AOT,", buildOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("warning IL", buildOutput, StringComparison.Ordinal);

        var binary = Path.Combine(_clone, "dist", "choria");
        // Informational (bench/RESULTS.md): what one small agent adds to the binary, when both come from the same tree.
        output.WriteLine($"binary size: {new FileInfo(ChoriaBinary.Path).Length} bytes without plugins, {new FileInfo(binary).Length} bytes with hello and filemgr");
        var info = await ManagedProcess.RunAsync(binary, ["buildinfo"], TimeSpan.FromSeconds(30));
        // Sorted by kind and name, the names padded to the longest.
        Assert.Contains("Compiled-in Plugins:\n\tfilemgr  agent  1.0.0\n\thello    agent  0.1.0\n", info.Stdout, StringComparison.Ordinal);

        await using var network = new ChoriaTestNetwork(binary);
        await network.StartBrokerAsync();
        var clientAgents = Directory.CreateDirectory(Path.Combine(network.Root, "client-lib", "mcollective", "agent")).FullName;
        File.Copy(Path.Combine(project, "hello.json"), Path.Combine(clientAgents, "hello.json"));
        File.Copy(Path.Combine(_clone, "examples", "agents", "filemgr", "filemgr.json"), Path.Combine(clientAgents, "filemgr.json"));
        var client = network.WriteClientConfig("rip.mcollective", $"libdir = {Path.Combine(network.Root, "client-lib")}\n");
        var allowed = Directory.CreateDirectory(Path.Combine(network.Root, "filemgr-allowed")).FullName;
        var server = await network.StartServerAsync("plug1.example.net", factsJson: """{"role":"web"}""",
            extraConfig: $"plugin.hello.prefix = from-config\nplugin.filemgr.allowed_paths = {allowed}\n");

        var (code, req) = await network.RunChoriaAsync(["req", "hello", "echo", "message=hi there", "-I", "plug1.example.net", "--json", "--config", client], TimeSpan.FromSeconds(40));
        Assert.True(code == 0, req);
        var reply = Assert.Single(Replies(req));
        Assert.Equal(0, reply.GetProperty("statuscode").GetInt32());
        var data = reply.GetProperty("data");
        Assert.Equal("hi there", data.GetProperty("message").GetString());
        Assert.Equal("plug1.example.net", data.GetProperty("identity").GetString());
        Assert.Equal("from-config", data.GetProperty("prefix").GetString());
        Assert.Contains(server.Process.Lines, l => l.Contains("echo for choria=rip.mcollective: 8 characters", StringComparison.Ordinal));

        // The example agent, with its setting from the server configuration.
        var touched = Path.Combine(allowed, "touched");
        var touch = await FilemgrAsync(network, client, "touch", touched);
        Assert.Equal(0, touch.GetProperty("statuscode").GetInt32());
        Assert.True(touch.GetProperty("data").GetProperty("created").GetBoolean());
        Assert.True(File.Exists(touched));
        var status = (await FilemgrAsync(network, client, "status", touched)).GetProperty("data");
        Assert.Equal(1, status.GetProperty("present").GetInt32());
        Assert.Equal("file", status.GetProperty("type").GetString());
        Assert.Equal("d41d8cd98f00b204e9800998ecf8427e", status.GetProperty("md5").GetString());
        var outside = Path.Combine(network.Root, "outside");
        await File.WriteAllTextAsync(outside, "keep");
        var refused = await FilemgrAsync(network, client, "remove", outside);
        Assert.Equal(5, refused.GetProperty("statuscode").GetInt32());
        Assert.Contains("is outside the paths filemgr may change", refused.GetProperty("statusmsg").GetString(), StringComparison.Ordinal);
        Assert.True(File.Exists(outside));

        // The typed clients of the new agent and of rpcutil, compiled into a small program against the same server.
        var caller = Path.Combine(_clone, "plugins", "caller");
        foreach (var (ddl, dir) in new[] { (Path.Combine(project, "hello.json"), "Hello"), ("rpcutil", "Rpcutil") })
        {
            var gen = await ManagedProcess.RunAsync(binary, ["tool", "generate", "client", ddl, Path.Combine(caller, dir)], TimeSpan.FromSeconds(30));
            Assert.True(gen.ExitCode == 0, gen.Stderr);
        }

        await File.WriteAllTextAsync(Path.Combine(caller, "Caller.csproj"), CallerProject);
        await File.WriteAllTextAsync(Path.Combine(caller, "Program.cs"), CallerProgram);
        var run = await ManagedProcess.RunAsync("dotnet", ["run", "--project", caller, "-c", "Release", "--", client, "plug1.example.net"], TimeSpan.FromMinutes(10));
        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        Assert.Contains("hello plug1.example.net 0 typed from-config", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("ping plug1.example.net 0 True", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("fact plug1.example.net 0 \"web\"", run.Stdout, StringComparison.Ordinal);

    }

    private const string CallerProject = """
        <Project Sdk="Microsoft.NET.Sdk">
          <PropertyGroup>
            <OutputType>Exe</OutputType>
            <NoWarn>$(NoWarn);CA2007;CA1515</NoWarn>
          </PropertyGroup>
          <ItemGroup>
            <ProjectReference Include="../../src/Choria.Client/Choria.Client.csproj" />
          </ItemGroup>
        </Project>
        """;

    private const string CallerProgram = """
        using Choria.Client;
        using Choria.Clients.Hello;
        using Choria.Clients.Rpcutil;
        using Choria.Config;
        using Choria.Framework;
        using Microsoft.Extensions.Logging;

        var config = ConfigLoader.Load(args[0], new ConfigLoadOptions { Role = ConfigRole.Client }).Config;
        using var framework = await ChoriaFramework.CreateAsync(config, debug: false, verifySecurityFiles: true, LogLevel.Warning);
        await using var client = await ChoriaClient.ConnectAsync(framework, TimeSpan.FromSeconds(10));
        var target = new Choria.Client.Typed.AgentRequestOptions { Nodes = [args[1]] };

        var hello = await new HelloClient(client).EchoAsync(new EchoInput { Message = "typed" }, target);
        foreach (var r in hello.Replies)
        {
            Console.WriteLine($"hello {r.Sender} {r.StatusCode} {r.Output.Message} {r.Output.Prefix}");
        }

        var rpcutil = new RpcutilClient(client);
        foreach (var r in (await rpcutil.PingAsync(options: target)).Replies)
        {
            Console.WriteLine($"ping {r.Sender} {r.StatusCode} {r.Output.Pong > 0}");
        }

        foreach (var r in (await rpcutil.GetFactAsync(new GetFactInput { Fact = "role" }, target)).Replies)
        {
            Console.WriteLine($"fact {r.Sender} {r.StatusCode} {r.Output.Value?.GetRawText()}");
        }
        """;

    private static async Task<JsonElement> FilemgrAsync(ChoriaTestNetwork network, string client, string action, string file)
    {
        var (_, text) = await network.RunChoriaAsync(["req", "filemgr", action, $"file={file}", "-I", "plug1.example.net", "--json", "--config", client], TimeSpan.FromSeconds(40));
        return Assert.Single(Replies(text));
    }

    private static List<JsonElement> Replies(string text)
    {
        var start = text.IndexOf('{', StringComparison.Ordinal);
        var end = text.LastIndexOf('}');
        if (start < 0 || end < start)
        {
            return [];
        }

        using var doc = JsonDocument.Parse(text[start..(end + 1)]);
        return [.. doc.RootElement.GetProperty("replies").EnumerateArray().Select(r => r.Clone())];
    }
}
