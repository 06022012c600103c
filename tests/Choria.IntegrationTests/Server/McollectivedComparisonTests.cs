using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Choria.IntegrationTests.Infrastructure;

namespace Choria.IntegrationTests.Server;

/// <summary>
/// The acceptance test of the Ruby agent provider (docs/agents.md, "Compared with mcollectived"): the same Ruby
/// agents, copied unchanged (<c>.rb</c> + <c>.ddl</c> only), run under the real Ruby <c>mcollectived</c> 2.12 called
/// with the real <c>mco rpc --json</c> over RabbitMQ, and under <c>choria server run</c> called with
/// <c>choria req --json</c> over nats-server. Per action the replies must agree: sender, status code, status
/// message and data. Only the values that name the caller (<c>request.caller</c>, <c>request.sender</c>) differ by
/// nature and are compared as "present".
/// </summary>
[Trait(TestCategory.Name, TestCategory.Process)]
[Trait(TestCategory.Group, TestCategory.Mcollectived)]
[Trait("Requires", "mcollectived")]
public sealed class McollectivedComparisonTests(McollectivedComparisonFixture fixture) : IClassFixture<McollectivedComparisonFixture>
{
    /// <summary>
    /// The cases: name → (client DDLs, agent, action, inputs). "lax" clients hold DDLs with every input optional
    /// and unvalidated plus an action the servers do not declare, so the request reaches the server and the
    /// server's own validation answers, as it would for an older or hand-made client.
    /// </summary>
    private static readonly Dictionary<string, (bool Lax, string Agent, string Action, string[] Inputs)> s_cases = new(StringComparer.Ordinal)
    {
        ["stock agent: success"] = (false, "fileinfo", "stat", ["path={notes}"]),
        ["stock agent: boolean input"] = (false, "fileinfo", "stat", ["path={notes}", "follow=false"]),
        ["stock agent: pluginconf default and list input"] = (false, "fileinfo", "checksum", ["path={notes}"]),
        ["stock agent: list input"] = (false, "fileinfo", "checksum", ["path={notes}", "algorithm=md5"]),
        ["stock agent: run() and sum"] = (false, "fileinfo", "count", ["path={notes}", "pattern=choria"]),
        ["stock agent: reply.fail with a code"] = (false, "fileinfo", "count", ["path=/nonexistent/file", "pattern=x"]),
        ["stock agent: reply.fail!"] = (false, "fileinfo", "stat", ["path=/nonexistent/file"]),
        ["stock agent: validate in the action"] = (false, "fileinfo", "count", ["path={notes}", "pattern=a;b"]),
        ["stock agent: declared in the DDL, not in the agent"] = (false, "fileinfo", "truncate", ["path={notes}"]),
        ["stock agent: missing required input (server side)"] = (true, "fileinfo", "stat", []),
        ["stock agent: DDL validation regex (server side)"] = (true, "fileinfo", "stat", ["path=relative"]),
        ["stock agent: maxlength (server side)"] = (true, "fileinfo", "count", ["path={notes}", "pattern=" + new string('x', 65)]),
        ["stock agent: list value (server side)"] = (true, "fileinfo", "checksum", ["path={notes}", "algorithm=crc32"]),
        ["stock agent: action not in the server's DDL"] = (true, "fileinfo", "undeclared", []),
        ["ddlonly: success"] = (false, "ddlonly", "echo", ["message=hello", "count=3"]),
        ["ddlonly: output defaults"] = (false, "ddlonly", "ping", []),
        ["ddlonly: ipv4address validator (server side)"] = (true, "ddlonly", "echo", ["message=hello", "address=1.2"]),
        ["failing: reply.fail!"] = (false, "failing", "refuse", []),
        ["failing: exception"] = (false, "failing", "explode", []),
        ["failing: output on stdout"] = (false, "failing", "noisy", []),
        ["configured: pluginconf"] = (false, "configured", "setting", []),
        ["inactive: activate_when false"] = (false, "inactive", "run", []),
    };

    public static TheoryData<string> Cases => [.. s_cases.Keys];

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Choria_answers_as_mcollectived_does(string name)
    {
        var (lax, agent, action, inputs) = s_cases[name];
        var resolved = inputs.Select(i => i.Replace("{notes}", fixture.NotesFile, StringComparison.Ordinal)).ToArray();

        var theirs = fixture.McoAsync(lax, agent, action, resolved);
        var ours = fixture.ChoriaReqAsync(lax, agent, action, resolved);
        var (mco, choria) = (await theirs, await ours);

        Assert.Equal(mco, choria);
    }

    /// <summary>The one deliberate difference (docs/agents.md): mcollectived drops a timed-out action's reply, we say why.</summary>
    [Fact]
    public async Task A_timed_out_action_gets_no_reply_from_mcollectived_and_status_1_from_choria()
    {
        var theirs = fixture.McoAsync(false, "sleeper", "nap", []);
        var ours = fixture.ChoriaReqAsync(false, "sleeper", "nap", []);
        var (mco, choria) = (await theirs, await ours);

        Assert.Equal("[]", mco);
        Assert.Contains("\"statuscode\": 1", choria, StringComparison.Ordinal);
        Assert.Contains("the action did not finish within 2.7 seconds and was killed", choria, StringComparison.Ordinal);
    }
}

/// <summary>
/// RabbitMQ + <c>mcollectived</c> and nats-server + <c>choria server run</c>, both named
/// <see cref="Identity"/>, hosting the same agent files with the same <c>plugin.*</c> settings.
/// </summary>
public sealed class McollectivedComparisonFixture : IAsyncLifetime
{
    public const string Identity = "node1.example.net";
    private static readonly TimeSpan s_clientTimeout = TimeSpan.FromSeconds(120);
    private const string PluginSettings = "plugin.configured.greeting = hello from the config\nplugin.fileinfo.algorithm = sha256\n";
    private ChoriaTestNetwork Network { get; } = new();
    private RabbitMqProcess? _rabbit;
    private ManagedProcess? _mcollectived;
    private readonly Dictionary<bool, string> _mcoConfigs = [];
    private readonly Dictionary<bool, string> _choriaConfigs = [];

    public string NotesFile { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var root = Network.Root;
        NotesFile = Path.Combine(root, "notes.txt");
        await File.WriteAllTextAsync(NotesFile, "choria replaces mcollectived\nthe same agents\nchoria and ruby\n");

        var serverLib = Path.Combine(root, "server-lib");
        var serverAgents = Directory.CreateDirectory(Path.Combine(serverLib, "mcollective", "agent")).FullName;
        var files = Directory.GetFiles(TestPaths.Fixture("agents", "ruby", "mcollective", "agent"))
            .Concat(Directory.GetFiles(TestPaths.Fixture("agents", "stock", "mcollective", "agent")));
        foreach (var file in files)
        {
            File.Copy(file, Path.Combine(serverAgents, Path.GetFileName(file)));
        }

        foreach (var lax in new[] { false, true })
        {
            var lib = Path.Combine(root, lax ? "client-lax" : "client-strict");
            var agents = Directory.CreateDirectory(Path.Combine(lib, "mcollective", "agent")).FullName;
            foreach (var ddl in Directory.GetFiles(serverAgents, "*.ddl"))
            {
                var text = await File.ReadAllTextAsync(ddl);
                await File.WriteAllTextAsync(Path.Combine(agents, Path.GetFileName(ddl)), lax ? Lax(text) : text);
            }

            _mcoConfigs[lax] = Path.Combine(root, lax ? "mco-lax.cfg" : "mco-strict.cfg");
        }

        _rabbit = await RabbitMqProcess.StartAsync(TimeSpan.FromMinutes(3));
        var common = $"""
            main_collective = mcollective
            collectives = mcollective
            securityprovider = psk
            plugin.psk = choria-comparison
            connector = rabbitmq
            plugin.rabbitmq.vhost = /
            plugin.rabbitmq.pool.size = 1
            plugin.rabbitmq.pool.1.host = 127.0.0.1
            plugin.rabbitmq.pool.1.port = {_rabbit.StompPort}
            plugin.rabbitmq.pool.1.user = {RabbitMqProcess.User}
            plugin.rabbitmq.pool.1.password = {RabbitMqProcess.Password}
            logger_type = console
            """ + "\n";
        foreach (var lax in new[] { false, true })
        {
            await File.WriteAllTextAsync(_mcoConfigs[lax], common + $"loglevel = warn\nlibdir = {Path.Combine(root, lax ? "client-lax" : "client-strict")}\n");
        }

        var facts = Path.Combine(root, "facts.yaml");
        await File.WriteAllTextAsync(facts, "role: web\n");
        var serverConfig = Path.Combine(root, "mcollectived.cfg");
        await File.WriteAllTextAsync(serverConfig, common + $"""
            identity = {Identity}
            libdir = {serverLib}
            loglevel = debug
            daemonize = 0
            factsource = yaml
            plugin.yaml = {facts}
            """ + "\n" + PluginSettings);
        _mcollectived = ManagedProcess.Start("mcollectived", ["--config", serverConfig, "--no-daemonize"]);
        // Logged (at debug) once the agents are loaded and the connector has subscribed.
        await _mcollectived.WaitForOutputAsync("Waiting for a message from RabbitMQ", TimeSpan.FromMinutes(2));

        await Network.StartBrokerAsync();
        // choria req also bounds its broker connection by the discovery timeout; mco and Ruby load the machine.
        foreach (var lax in new[] { false, true })
        {
            _choriaConfigs[lax] = Network.WriteClientConfig(lax ? "lax.mcollective" : "rip.mcollective",
                $"discovery_timeout = 5\nlibdir = {Path.Combine(root, lax ? "client-lax" : "client-strict")}\n" +
                $"plugin.choria.agent_provider.mcorpc.ddl_cache = {Path.Combine(root, lax ? "ddl-cache-lax" : "ddl-cache-strict")}\n");
        }

        await Network.StartServerAsync(Identity, """{"role":"web"}""", extraConfig:
            $"plugin.choria.agent_provider.mcorpc.libdir = {serverLib}\n" +
            $"plugin.choria.agent_provider.mcorpc.ddl_cache = {Path.Combine(root, "ddl-cache-server")}\n" + PluginSettings,
            // Converting seven DDLs and asking each agent activate? runs Ruby a dozen times first.
            readyTimeout: TimeSpan.FromMinutes(2));
    }

    /// <summary>
    /// A client's copy of a DDL that lets everything through to the server: every input optional, any string of
    /// any length (lists become strings; other types stay, so values still convert), and one more action the
    /// server's DDL lacks.
    /// </summary>
    private static string Lax(string ddl)
    {
        ddl = Regex.Replace(ddl, @":optional(\s*)=>\s*false", ":optional$1=> true");
        ddl = Regex.Replace(ddl, @":validation(\s*)=>\s*('(?:[^'\\]|\\.)*'|:\w+)", ":validation$1=> '.*'");
        ddl = Regex.Replace(ddl, @":maxlength(\s*)=>\s*\d+", ":maxlength$1=> 0");
        ddl = Regex.Replace(ddl, @":type(\s*)=>\s*:list,\s*:list(\s*)=>\s*\[[^\]]*\]", ":type$1=> :string, :validation => '.*', :maxlength => 0");
        return ddl + "\naction \"undeclared\", :description => \"Only the client knows this action\" do\nend\n";
    }

    /// <summary><c>mco rpc --json</c> against mcollectived; the replies in canonical form.</summary>
    public async Task<string> McoAsync(bool lax, string agent, string action, string[] inputs)
    {
        var result = await ManagedProcess.RunAsync("mco", ["rpc", "--config", _mcoConfigs[lax], "--json", "--dt", "2", "-I", Identity, agent, action, .. inputs], s_clientTimeout);
        var start = result.Stdout.IndexOf('[', StringComparison.Ordinal);
        Assert.True(start >= 0, $"mco rpc exited {result.ExitCode} without JSON:\n{result.Stdout}\n{result.Stderr}\nmcollectived:\n{_mcollectived?.Output}");
        return Canonical(JsonNode.Parse(result.Stdout[start..])!.AsArray());
    }

    /// <summary><c>choria req --json</c> against choria server; the replies in canonical form.</summary>
    public async Task<string> ChoriaReqAsync(bool lax, string agent, string action, string[] inputs)
    {
        var (code, output) = await Network.RunChoriaAsync(["req", agent, action, .. inputs, "-I", Identity, "--json", "--config", _choriaConfigs[lax]], s_clientTimeout);
        if (code == 1 && output.Contains("did not discover any nodes", StringComparison.Ordinal))
        {
            // mco prints "No request sent, we did not discover any nodes." and an empty list: no replies either way.
            return Canonical([]);
        }

        var start = output.IndexOf('{', StringComparison.Ordinal);
        Assert.True(start >= 0, $"choria req exited {code} without JSON:\n{output}");
        return Canonical(JsonNode.Parse(output[start..(output.LastIndexOf('}') + 1)])!["replies"]!.AsArray());
    }

    /// <summary>Sender, status code, status message and data of each reply, keys sorted, caller names and process ids masked.</summary>
    private static string Canonical(JsonArray replies)
    {
        var canonical = new JsonArray();
        foreach (var reply in replies.OrderBy(r => r!["sender"]!.GetValue<string>(), StringComparer.Ordinal))
        {
            var data = Sorted(reply!["data"]) as JsonObject ?? [];
            foreach (var key in new[] { "caller", "sender" })
            {
                if (data[key] is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0)
                {
                    data[key] = "<the caller>";
                }
            }

            canonical.Add(new JsonObject
            {
                ["sender"] = reply["sender"]!.GetValue<string>(),
                ["statuscode"] = reply["statuscode"]!.GetValue<int>(),
                ["statusmsg"] = reply["statusmsg"]!.GetValue<string>(),
                ["data"] = data,
            });
        }

        // Process ids (MCollective's run() reports its child as "#<Process::Status: pid N exit C>") differ by nature.
        return Regex.Replace(canonical.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), @"pid \d+", "pid <pid>");
    }

    private static JsonNode? Sorted(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Sorted(p.Value)))),
        JsonArray a => new JsonArray([.. a.Select(Sorted)]),
        _ => node?.DeepClone(),
    };

    public async Task DisposeAsync()
    {
        if (_mcollectived is not null)
        {
            await _mcollectived.DisposeAsync();
        }

        if (_rabbit is not null)
        {
            await _rabbit.DisposeAsync();
        }

        await Network.DisposeAsync();
    }
}
