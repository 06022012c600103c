using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Choria.Ddl;
using Choria.Protocol.Messages;
using Choria.Server.Agents;
using Choria.Server.Agents.External;
using Choria.Server.Runtime;
using Microsoft.Extensions.Logging;

namespace Choria.Server.Tests.External;

/// <summary>External agents run as real processes: a Python 3 and a shell agent from tests/fixtures/agents/external.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ExternalAgentTests : IDisposable
{
    private static readonly JsonElement s_facts = JsonDocument.Parse("""{"country":"mt","nested":{"a":1}}""").RootElement.Clone();

    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("choria-external-");
    private readonly CapturingLoggerFactory _loggers = new();
    private readonly CancellationTokenSource _stop = new();

    public ExternalAgentTests()
    {
        AgentDir = Path.Combine(_root.FullName, "lib", "mcollective", "agent");
        Directory.CreateDirectory(AgentDir);
    }

    private string AgentDir { get; }

    private ExternalAgentOptions Options => new()
    {
        AgentDirectories = [AgentDir],
        ConfigDirectory = Path.Combine(_root.FullName, "etc"),
        SettleTime = TimeSpan.FromSeconds(5),
        // Tests drive the reconciliation themselves.
        ReconcileInterval = TimeSpan.FromHours(1),
    };

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
        _loggers.Dispose();
        _root.Delete(recursive: true);
    }

    [Fact]
    public async Task Python_agent_replies_with_its_data_and_the_ddl_output_defaults()
    {
        var agent = Create("pyecho");
        var reply = await AgentTests.Call(agent, "ping", """{"message":"hello world"}""");
        Assert.Equal("OK", reply.GetProperty("statusmsg").GetString());
        Assert.Equal(0, reply.GetProperty("statuscode").GetInt32());
        var data = reply.GetProperty("data");
        Assert.Equal("hello world", data.GetProperty("message").GetString());
        Assert.Equal(0, data.GetProperty("count").GetInt32());
        Assert.Equal("by default", data.GetProperty("filled").GetString());
        Assert.Contains(_loggers.Lines, l => l == "Information: External agent pyecho stdout: pinged with hello world");
        Assert.Contains(_loggers.Lines, l => l == "Error: External agent pyecho stderr: a warning on stderr");
    }

    [Theory]
    [InlineData("""{}""", "Validation failed: input 'message' is required")]
    [InlineData("""{"message":"UPPER"}""", "Validation failed: validation failed for input 'message': input does not match '^[a-z ]+$'")]
    [InlineData("""{"message":"ok","count":"three"}""", "Validation failed: validation failed for input 'count': ")]
    [InlineData("""{"message":"ok","colour":"red"}""", "Validation failed: request contains an input 'colour' that is not declared in the DDL. Valid inputs are: count, message")]
    public async Task Inputs_are_validated_against_the_ddl_before_the_agent_runs(string data, string message)
    {
        var reply = await AgentTests.Call(Create("pyecho"), "ping", data);
        Assert.Equal(1, reply.GetProperty("statuscode").GetInt32());
        Assert.StartsWith(message, reply.GetProperty("statusmsg").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(_loggers.Lines, l => l.Contains("pinged", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_agent_gets_the_protocol_arguments_environment_request_and_facts()
    {
        var agent = Create("pyecho");
        var reply = await AgentCall.RunAsync(agent, "env");
        Assert.Equal("OK", reply.GetProperty("statusmsg").GetString());
        var data = reply.GetProperty("data");

        var argv = data.GetProperty("argv").EnumerateArray().Select(a => a.GetString()!).ToArray();
        Assert.Equal(3, argv.Length);
        Assert.Equal("io.choria.mcorpc.external.v1.rpc_request", argv[2]);

        // python3 may be a pyenv shim that adds its own variables; the exact environment is checked with a shell agent below.
        var env = data.GetProperty("environ").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());
        Assert.Equal(argv[0], env["CHORIA_EXTERNAL_REQUEST"]);
        Assert.Equal(argv[1], env["CHORIA_EXTERNAL_REPLY"]);
        Assert.Equal("io.choria.mcorpc.external.v1.rpc_request", env["CHORIA_EXTERNAL_PROTOCOL"]);
        Assert.Equal(Path.Combine(_root.FullName, "etc", "plugin.d", "pyecho"), env["CHORIA_EXTERNAL_CONFIG"]);
        Assert.Equal(Path.GetFullPath(Path.GetTempPath()).TrimEnd('/'), data.GetProperty("cwd").GetString());

        // The request file carries the fixture's keys and values; the temp files are gone afterwards.
        var expected = JsonDocument.Parse(File.ReadAllText(TestPaths.Fixture("server", "examples", "external_rpc_request.json"))).RootElement;
        var request = data.GetProperty("request");
        Assert.Equal(expected.EnumerateObject().Select(p => p.Name), request.EnumerateObject().Select(p => p.Name));
        foreach (var key in new[] { "$schema", "protocol", "requestid", "senderid", "callerid", "collective" })
        {
            Assert.Equal(expected.GetProperty(key).GetString(), request.GetProperty(key).GetString());
        }

        Assert.Equal(60, request.GetProperty("ttl").GetInt32());
        Assert.Equal(1578175200, request.GetProperty("msgtime").GetInt64());
        Assert.Equal("mt", data.GetProperty("facts").GetProperty("country").GetString());
        Assert.False(File.Exists(argv[0]));
        Assert.False(File.Exists(argv[1]));
        Assert.False(File.Exists(env["CHORIA_EXTERNAL_FACTS"]));
    }

    [Fact]
    public async Task The_environment_holds_only_the_protocol_variables_and_path()
    {
        WriteDdl("envdump", "external");
        var dump = Path.Combine(_root.FullName, "environ");
        // /proc/$$/environ is what the server passed to exec, before the shell adds anything of its own.
        WriteScript("envdump", $$$"""tr '\0' '\n' < /proc/$$/environ > {{{dump}}}; echo '{"data":{}}' > "$2" """);
        var agent = ExternalAgent.Create(DdlLoader.LoadFile(Path.Combine(AgentDir, "envdump.json")).Ddl!, Path.Combine(AgentDir, "envdump"), Context());

        Assert.Equal(0, (await AgentTests.Call(agent, "good")).GetProperty("statuscode").GetInt32());
        var env = File.ReadAllLines(dump).Where(l => l.Length > 0).Select(l => l.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1]);
        Assert.Equal(["CHORIA_EXTERNAL_CONFIG", "CHORIA_EXTERNAL_FACTS", "CHORIA_EXTERNAL_PROTOCOL", "CHORIA_EXTERNAL_REPLY", "CHORIA_EXTERNAL_REQUEST", "PATH"], env.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(Environment.GetEnvironmentVariable("PATH"), env["PATH"]);
    }

    [Theory]
    [InlineData("good", 0, "OK")]
    [InlineData("nulldata", 0, "OK")]
    [InlineData("failed", 1, "the disk is full")]
    [InlineData("notjson", 1, "Could not call external agent shbad#notjson: could not decode the reply: ")]
    [InlineData("empty", 1, "Could not call external agent shbad#empty: could not decode the reply: ")]
    [InlineData("array", 1, "Could not call external agent shbad#array: could not decode the reply: expected a JSON object, got an array")]
    [InlineData("badcode", 1, "Could not call external agent shbad#badcode: could not decode the reply: statuscode must be an integer from 0 to 5, got 9")]
    [InlineData("dupkey", 1, "Could not call external agent shbad#dupkey: could not decode the reply: ")]
    [InlineData("dupdata", 1, "Could not call external agent shbad#dupdata: could not decode the reply: ")]
    [InlineData("nodata", 1, "Could not set reply defaults: reply data is in the wrong format")]
    [InlineData("stringdata", 1, "Could not set reply defaults: reply data is in the wrong format")]
    [InlineData("huge", 1, "Could not call external agent shbad#huge: the reply file is 5000000 bytes, more than the 4194304 bytes allowed")]
    [InlineData("exit3", 1, "Could not call external agent shbad#exit3: executing {exe} failed: exit status 3")]
    public async Task Every_kind_of_bad_reply_is_status_1_with_the_reason(string action, int code, string message)
    {
        var reply = await AgentTests.Call(Create("shbad"), action);
        Assert.Equal(code, reply.GetProperty("statuscode").GetInt32());
        Assert.StartsWith(message.Replace("{exe}", Path.Combine(AgentDir, "shbad"), StringComparison.Ordinal), reply.GetProperty("statusmsg").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Object, reply.GetProperty("data").ValueKind);
    }

    [Fact]
    public async Task A_hanging_agent_is_killed_after_its_timeout_and_the_dispatcher_still_publishes_the_error()
    {
        var registry = new AgentRegistry(new AgentRegistryOptions(), _loggers.CreateLogger<AgentRegistry>());
        registry.Register(Create("shbad"));
        var watch = Stopwatch.StartNew();
        var result = await new AgentDispatcher(registry).DispatchAsync(Request("shbad", "hang"), CancellationToken.None);
        watch.Stop();

        Assert.Null(result.Drop);
        var reply = JsonDocument.Parse(result.Reply!).RootElement;
        Assert.Equal(1, reply.GetProperty("statuscode").GetInt32());
        Assert.Equal($"Could not call external agent shbad#hang: executing {Path.Combine(AgentDir, "shbad")} failed: it did not finish within 3.5s and was killed", reply.GetProperty("statusmsg").GetString());
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(3.4), TimeSpan.FromSeconds(8));

        // The kill took the whole tree: no "sleep 60" child of the agent survives.
        var sleeping = Process.GetProcessesByName("sleep").Where(p => ParentIsGone(p)).ToList();
        Assert.DoesNotContain(sleeping, p => CommandLine(p).Contains("sleep 60", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_missing_executable_is_reported_before_validation()
    {
        var agent = Create("pyecho");
        File.Delete(Path.Combine(AgentDir, "pyecho"));
        var reply = await AgentTests.Call(agent, "ping", "{}");
        Assert.Equal(1, reply.GetProperty("statuscode").GetInt32());
        Assert.Equal($"Cannot call external agent pyecho#ping: agent executable {Path.Combine(AgentDir, "pyecho")} was not found", reply.GetProperty("statusmsg").GetString());
    }

    [Fact]
    public async Task Provider_registers_both_layouts_replaces_on_a_new_version_and_removes_deleted_agents()
    {
        Install("shbad", AgentDir, age: TimeSpan.FromMinutes(1));
        var perAgent = Path.Combine(AgentDir, "pyecho");
        Directory.CreateDirectory(perAgent);
        Install("pyecho", perAgent, age: TimeSpan.FromMinutes(1), executableName: PlatformName("pyecho"));
        var (provider, sink, registry) = await Provider();

        await provider.ReconcileAsync(CancellationToken.None);
        Assert.Equal(["pyecho", "shbad"], registry.KnownAgents());
        Assert.True(registry.TryGet("pyecho", out var pyecho));
        Assert.Equal("external", pyecho.Metadata.Provider);
        Assert.Equal(0, (await AgentTests.Call(pyecho, "ping", """{"message":"hi"}""")).GetProperty("statuscode").GetInt32());

        // Unchanged: the same instance stays.
        await provider.ReconcileAsync(CancellationToken.None);
        Assert.True(registry.TryGet("pyecho", out var same));
        Assert.Same(pyecho, same);

        // A new version is ignored while the DDL settles, then replaces the agent.
        var ddl = Path.Combine(perAgent, "pyecho.json");
        File.WriteAllText(ddl, File.ReadAllText(ddl).Replace("\"1.0.0\"", "\"1.1.0\"", StringComparison.Ordinal));
        await provider.ReconcileAsync(CancellationToken.None);
        Assert.True(registry.TryGet("pyecho", out var unsettled));
        Assert.Same(pyecho, unsettled);
        File.SetLastWriteTimeUtc(ddl, DateTime.UtcNow.AddMinutes(-1));
        await provider.ReconcileAsync(CancellationToken.None);
        Assert.True(registry.TryGet("pyecho", out var replaced));
        Assert.Equal("1.1.0", replaced.Metadata.Version);
        Assert.Contains(_loggers.Lines, l => l.StartsWith("Information: Replaced external agent pyecho version 1.0.0 with version 1.1.0", StringComparison.Ordinal));

        File.Delete(Path.Combine(AgentDir, "shbad.json"));
        await provider.ReconcileAsync(CancellationToken.None);
        Assert.Equal(["pyecho"], registry.KnownAgents());
        Assert.Contains(_loggers.Lines, l => l.StartsWith("Information: Removed external agent shbad", StringComparison.Ordinal));
        Assert.False(await sink.RemoveAsync("shbad", CancellationToken.None));
    }

    [Fact]
    public async Task Provider_skips_reserved_names_other_providers_and_agents_that_do_not_activate()
    {
        Install("shbad", AgentDir, age: TimeSpan.FromMinutes(1));
        WriteDdl("rpcutil", "external");
        WriteDdl("rubyagent", null);
        WriteDdl("inactive", "external");
        WriteScript("inactive", """echo '{"activate": false}' > "$2" """);
        WriteDdl("broken", "external");
        WriteScript("broken", "exit 1");
        var (provider, _, registry) = await Provider();

        await provider.ReconcileAsync(CancellationToken.None);
        await provider.ReconcileAsync(CancellationToken.None);

        Assert.Equal(["shbad"], registry.KnownAgents());
        Assert.Single(_loggers.Lines, l => l.StartsWith("Warning: External agent rpcutil in ", StringComparison.Ordinal));
        Assert.Single(_loggers.Lines, l => l.StartsWith("Warning: Agent inactive not activating", StringComparison.Ordinal));
        Assert.Contains(_loggers.Lines, l => l.Contains("External agent broken not activating: executing ", StringComparison.Ordinal) && l.EndsWith("exit status 1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Sink_never_replaces_or_removes_a_builtin_agent()
    {
        var (_, sink, registry) = await Provider();
        var builtin = new McorpcAgent(new AgentMetadata { Name = "rpcutil", Timeout = 2 }, null, new(), _loggers.CreateLogger("x"));
        registry.Register(builtin);
        var result = await sink.AddAsync(new McorpcAgent(new AgentMetadata { Name = "rpcutil", Timeout = 2 }, null, new(), _loggers.CreateLogger("x")), CancellationToken.None);
        Assert.Equal(AgentRegistrationStatus.Duplicate, result.Status);
        Assert.False(await sink.RemoveAsync("rpcutil", CancellationToken.None));
        Assert.True(registry.TryGet("rpcutil", out var kept));
        Assert.Same(builtin, kept);
    }

    [Fact]
    public async Task Requests_keep_working_while_the_agent_is_replaced_and_removed()
    {
        Install("shbad", AgentDir, age: TimeSpan.FromMinutes(1));
        var (provider, sink, registry) = await Provider();
        await provider.ReconcileAsync(CancellationToken.None);
        var dispatcher = new AgentDispatcher(registry);

        var requests = Enumerable.Range(0, 8).Select(_ => dispatcher.DispatchAsync(Request("shbad", "good"), CancellationToken.None)).ToList();
        var churn = Task.Run(async () =>
        {
            for (var i = 0; i < 20; i++)
            {
                await sink.AddAsync(ExternalAgent.Create(DdlLoader.LoadFile(Path.Combine(AgentDir, "shbad.json")).Ddl!, Path.Combine(AgentDir, "shbad"), Context()), CancellationToken.None);
            }
        });
        await churn;
        var results = await Task.WhenAll(requests);
        Assert.All(results, r => Assert.Null(r.Drop));
        Assert.All(results, r => Assert.Equal(0, JsonDocument.Parse(r.Reply!).RootElement.GetProperty("statuscode").GetInt32()));

        Assert.True(await sink.RemoveAsync("shbad", CancellationToken.None));
        Assert.Equal(DropReason.UnknownAgent, (await dispatcher.DispatchAsync(Request("shbad", "good"), CancellationToken.None)).Drop?.Reason);
    }

    private McorpcAgent Create(string name)
    {
        Install(name, AgentDir, age: TimeSpan.Zero);
        var ddl = DdlLoader.LoadFile(Path.Combine(AgentDir, name + ".json"));
        Assert.True(ddl.Success, ddl.Error);
        return ExternalAgent.Create(ddl.Ddl!, Path.Combine(AgentDir, name), Context());
    }

    private ExternalAgentContext Context() => new()
    {
        Options = Options,
        Mcorpc = new McorpcAgentOptions(),
        Process = new ExternalProcess(_loggers.CreateLogger<ExternalProcess>()),
        Loggers = _loggers,
        Facts = () => s_facts,
    };

    private async Task<(ExternalAgentProvider Provider, ServerAgentSink Sink, AgentRegistry Registry)> Provider()
    {
        var registry = new AgentRegistry(new AgentRegistryOptions(), _loggers.CreateLogger<AgentRegistry>());
        var sink = new ServerAgentSink(registry, ["mcollective"], new HashSet<string>(["rpcutil"], StringComparer.Ordinal), new McorpcAgentOptions(), _loggers);
        var provider = new ExternalAgentProvider(Options, () => s_facts, "1.2.3");
        await provider.StartAsync(sink, _stop.Token);
        return (provider, sink, registry);
    }

    private static void Install(string name, string dir, TimeSpan age, string? executableName = null)
    {
        var source = TestPaths.Fixture("agents", "external");
        var ddl = Path.Combine(dir, name + ".json");
        File.Copy(Path.Combine(source, name + ".json"), ddl, overwrite: true);
        var exe = Path.Combine(dir, executableName ?? name);
        File.Copy(Path.Combine(source, name), exe, overwrite: true);
        File.SetUnixFileMode(exe, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.SetLastWriteTimeUtc(ddl, DateTime.UtcNow - age);
    }

    private void WriteDdl(string name, string? provider)
    {
        var ddl = File.ReadAllText(TestPaths.Fixture("agents", "external", "shbad.json"))
            .Replace("\"name\": \"shbad\"", $"\"name\": \"{name}\"", StringComparison.Ordinal)
            .Replace("\"provider\": \"external\"", provider is null ? "\"provider\": \"\"" : $"\"provider\": \"{provider}\"", StringComparison.Ordinal);
        var path = Path.Combine(AgentDir, name + ".json");
        File.WriteAllText(path, ddl);
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(-1));
        WriteScript(name, """echo '{"activate": true}' > "$2" """);
    }

    private void WriteScript(string name, string body)
    {
        var path = Path.Combine(AgentDir, name);
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private static string PlatformName(string name) =>
        $"{name}-linux_{(System.Runtime.InteropServices.RuntimeInformation.OSArchitecture == System.Runtime.InteropServices.Architecture.Arm64 ? "arm64" : "amd64")}";

    private static AgentRequest Request(string agent, string action, string data = "{}") => new()
    {
        Envelope = new RequestEnvelope { Agent = agent, RequestId = Guid.NewGuid().ToString("N"), CallerId = "choria=rip.mcollective" },
        Payload = Encoding.UTF8.GetBytes($$"""{"agent":"{{agent}}","action":"{{action}}","data":{{data}}}"""),
    };

    private static bool ParentIsGone(Process p)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{p.Id}/stat");
            var ppid = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
            return ppid == 1 || !File.Exists($"/proc/{ppid}/stat");
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static string CommandLine(Process p)
    {
        try
        {
            return File.ReadAllText($"/proc/{p.Id}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return "";
        }
    }
}
