using System.Diagnostics;
using System.Text.Json;
using Choria.IntegrationTests.Infrastructure;

namespace Choria.IntegrationTests.Server;

/// <summary>
/// External agents through the real binaries: <c>choria server run</c> serving the Python and shell test agents of
/// tests/fixtures/agents/external, called with <c>choria req</c>.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Process)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ExternalAgentEndToEndTests : IAsyncLifetime
{
    private const string Node = "ext1.example.net";
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(40);
    private ChoriaTestNetwork Network { get; } = new();
    private string _serverLib = "";
    private string _clientConfig = "";
    private string _broadcastConfig = "";

    private string ServerAgentDir => Path.Combine(_serverLib, "mcollective", "agent");

    public async Task InitializeAsync()
    {
        await Network.StartBrokerAsync();
        _serverLib = Directory.CreateDirectory(Path.Combine(Network.Root, "server-lib")).FullName;
        Directory.CreateDirectory(ServerAgentDir);

        // The client gets its own DDL copies without input validation (so bad inputs reach the server, whose
        // validation is under test). The timeout stays: the client itself waits for the reply about a killed agent.
        var clientAgents = Directory.CreateDirectory(Path.Combine(Network.Root, "client-lib", "mcollective", "agent")).FullName;
        foreach (var name in new[] { "pyecho", "shbad" })
        {
            var ddl = File.ReadAllText(Fixture(name + ".json"))
                .Replace("\"validation\": \"^[a-z ]+$\"", "\"validation\": \".\"", StringComparison.Ordinal);
            File.WriteAllText(Path.Combine(clientAgents, name + ".json"), ddl);
        }

        _clientConfig = Network.WriteClientConfig("rip.mcollective", $"discovery_timeout = 1\nlibdir = {Path.Combine(Network.Root, "client-lib")}\n");

        // Without -I and without direct addressing the request goes to <collective>.broadcast.agent.<agent>, which
        // only reaches the server when it subscribed that subject for an agent added while running.
        _broadcastConfig = Network.WriteClientConfig("broadcast.mcollective", $"discovery_timeout = 1\ndirect_addressing = false\nlibdir = {Path.Combine(Network.Root, "client-lib")}\n");
    }

    public async Task DisposeAsync() => await Network.DisposeAsync();

    [Fact]
    public async Task External_agents_answer_with_validation_defaults_authorization_audit_and_bad_replies_as_status_1()
    {
        Install("pyecho", TimeSpan.FromMinutes(1));
        Install("shbad", TimeSpan.FromMinutes(1));
        var audit = Path.Combine(Network.Root, "audit.log");
        var server = await StartServerAsync($"rpcauthorization = 1\nrpcaudit = 1\nplugin.rpcaudit.logfile = {audit}\n");
        var policies = Directory.CreateDirectory(Path.Combine(server.Directory, "policies")).FullName;
        await File.WriteAllTextAsync(Path.Combine(policies, "pyecho.policy"), "policy default deny\nallow\tchoria=rip.mcollective\tping\t*\t*\n");
        await File.WriteAllTextAsync(Path.Combine(policies, "shbad.policy"), "policy default allow\n");
        await File.WriteAllTextAsync(Path.Combine(policies, "rpcutil.policy"), "policy default allow\n");

        // Served from the first request: the agents were registered before the "ready" line.
        var ready = server.Process.Lines.ToList().FindIndex(l => l.Contains("ready", StringComparison.Ordinal));
        var registered = server.Process.Lines.ToList().FindIndex(l => l.Contains("Registered external agent pyecho version 1.0.0", StringComparison.Ordinal));
        Assert.InRange(registered, 0, ready);

        var ok = await ReqAsync("pyecho", "ping", "message=hello world");
        Assert.Equal(0, ok.GetProperty("statuscode").GetInt32());
        Assert.Equal("hello world", ok.GetProperty("data").GetProperty("message").GetString());
        Assert.Equal("by default", ok.GetProperty("data").GetProperty("filled").GetString());
        Assert.Contains(server.Process.Lines, l => l.Contains("pinged with hello world", StringComparison.Ordinal));

        var invalid = await ReqAsync("pyecho", "ping", "message=UPPER");
        Assert.Equal(1, invalid.GetProperty("statuscode").GetInt32());
        Assert.Equal("Validation failed: validation failed for input 'message': input does not match '^[a-z ]+$'", invalid.GetProperty("statusmsg").GetString());

        var denied = await ReqAsync("pyecho", "env");
        Assert.Equal(1, denied.GetProperty("statuscode").GetInt32());
        Assert.Equal("You are not authorized to call this agent or action", denied.GetProperty("statusmsg").GetString());

        var exe = Path.Combine(ServerAgentDir, "shbad");
        foreach (var (action, message) in new[]
        {
            ("notjson", "Could not call external agent shbad#notjson: could not decode the reply: "),
            ("array", "Could not call external agent shbad#array: could not decode the reply: expected a JSON object, got an array"),
            ("nodata", "Could not set reply defaults: reply data is in the wrong format"),
            ("huge", "Could not call external agent shbad#huge: the reply file is 5000000 bytes, more than the 4194304 bytes allowed"),
            ("exit3", $"Could not call external agent shbad#exit3: executing {exe} failed: exit status 3"),
            ("hang", $"Could not call external agent shbad#hang: executing {exe} failed: it did not finish within 3.5s and was killed"),
        })
        {
            var bad = await ReqAsync("shbad", action);
            Assert.Equal(1, bad.GetProperty("statuscode").GetInt32());
            Assert.StartsWith(message, bad.GetProperty("statusmsg").GetString(), StringComparison.Ordinal);
        }

        // Still serving, built-in and external alike.
        Assert.Equal(0, (await ReqAsync("rpcutil", "ping")).GetProperty("statuscode").GetInt32());
        Assert.Equal(0, (await ReqAsync("shbad", "good")).GetProperty("statuscode").GetInt32());

        var inventory = (await ReqAsync("rpcutil", "agent_inventory")).GetProperty("data").GetProperty("agents").EnumerateArray().ToList();
        var pyecho = Assert.Single(inventory, a => a.GetProperty("agent").GetString() == "pyecho");
        Assert.Equal("1.0.0", pyecho.GetProperty("version").GetString());
        Assert.Equal("Python 3 test agent for the external agent provider", pyecho.GetProperty("description").GetString());
        Assert.Equal(2, pyecho.GetProperty("timeout").GetInt32());
        var names = (await ReqAsync("rpcutil", "inventory")).GetProperty("data").GetProperty("agents").EnumerateArray().Select(a => a.GetString()).ToList();
        Assert.Equal(["choria_util", "discovery", "pyecho", "rpcutil", "shbad"], names);

        var lines = (await File.ReadAllLinesAsync(audit)).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Contains(lines, l => l.GetProperty("agent").GetString() == "pyecho" && l.GetProperty("action").GetString() == "ping" && l.GetProperty("data").GetProperty("message").GetString() == "hello world");
        Assert.DoesNotContain(lines, l => l.GetProperty("agent").GetString() == "pyecho" && l.GetProperty("action").GetString() == "env");

        Assert.Equal(0, await server.Process.TerminateAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task An_agent_copied_into_a_running_server_answers_within_30s_and_removing_it_unregisters_it()
    {
        var server = await StartServerAsync();
        Assert.Equal(1, (await RunReqAsync("pyecho", "ping", "message=early")).ExitCode);

        var copied = Stopwatch.StartNew();
        Install("pyecho", TimeSpan.Zero);
        JsonElement? reply = null;
        while (reply is null && copied.Elapsed < TimeSpan.FromSeconds(30))
        {
            var (code, output) = await RunBroadcastReqAsync("pyecho", "ping", "message=late");
            var replies = code == 0 ? Replies(output) : [];
            reply = replies.Count == 1 ? replies[0] : null;
            if (reply is null)
            {
                await Task.Delay(1000);
            }
        }

        Assert.True(reply is not null, "no answer within 30s:\n" + server.Process.Output);
        Assert.Equal("late", reply.Value.GetProperty("data").GetProperty("message").GetString());
        Assert.Contains(server.Process.Lines, l => l.Contains("Registered external agent pyecho version 1.0.0", StringComparison.Ordinal));

        File.Delete(Path.Combine(ServerAgentDir, "pyecho.json"));
        var removed = Stopwatch.StartNew();
        while (!server.Process.Lines.Any(l => l.Contains("Removed external agent pyecho", StringComparison.Ordinal)) && removed.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(500);
        }

        var names = (await ReqAsync("rpcutil", "inventory")).GetProperty("data").GetProperty("agents").EnumerateArray().Select(a => a.GetString()).ToList();
        Assert.DoesNotContain("pyecho", names);
        var after = await RunBroadcastReqAsync("pyecho", "ping", "message=gone");
        Assert.True(after.ExitCode != 0 || Replies(after.Output).Count == 0, after.Output);
        Assert.Equal(0, await server.Process.TerminateAsync(TimeSpan.FromSeconds(10)));
    }

    private Task<ChoriaServerNode> StartServerAsync(string extra = "") =>
        Network.StartServerAsync(Node, """{"role":"web"}""", extraConfig: $"plugin.choria.agent_provider.mcorpc.libdir = {_serverLib}\n" + extra);

    private async Task<JsonElement> ReqAsync(string agent, string action, params string[] inputs)
    {
        var (code, output) = await RunReqAsync(agent, action, inputs);
        Assert.True(code == 0, $"exit {code}:\n{output}");
        return Assert.Single(Replies(output));
    }

    private Task<(int ExitCode, string Output)> RunReqAsync(string agent, string action, params string[] inputs) =>
        Network.RunChoriaAsync(["req", agent, action, .. inputs, "-I", Node, "--json", "--config", _clientConfig], s_timeout);

    private Task<(int ExitCode, string Output)> RunBroadcastReqAsync(string agent, string action, params string[] inputs) =>
        Network.RunChoriaAsync(["req", agent, action, .. inputs, "--json", "--config", _broadcastConfig], s_timeout);

    private static List<JsonElement> Replies(string output)
    {
        var start = output.IndexOf('{', StringComparison.Ordinal);
        var end = output.LastIndexOf('}');
        if (start < 0 || end < start)
        {
            return [];
        }

        using var doc = JsonDocument.Parse(output[start..(end + 1)]);
        return [.. doc.RootElement.GetProperty("replies").EnumerateArray().Select(r => r.Clone())];
    }

    private void Install(string name, TimeSpan age)
    {
        var ddl = Path.Combine(ServerAgentDir, name + ".json");
        var exe = Path.Combine(ServerAgentDir, name);
        File.Copy(Fixture(name), exe, overwrite: true);
        File.SetUnixFileMode(exe, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.Copy(Fixture(name + ".json"), ddl, overwrite: true);
        File.SetLastWriteTimeUtc(ddl, DateTime.UtcNow - age);
    }

    private static string Fixture(string name) => TestPaths.Fixture("agents", "external", name);
}
