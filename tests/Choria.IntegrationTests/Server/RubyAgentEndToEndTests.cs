using System.Text.Json;
using Choria.IntegrationTests.Infrastructure;

namespace Choria.IntegrationTests.Server;

/// <summary>
/// Ruby MCollective agents through the real binaries: <c>choria server run</c> hosting the test agents of
/// tests/fixtures/agents/ruby (shipped as <c>.rb</c> + <c>.ddl</c> only, unchanged) with Debian's Ruby and
/// MCollective, called with <c>choria req</c>, whose libdir also holds only the Ruby DDLs.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Process)]
[Trait("Requires", "ruby")]
public sealed class RubyAgentEndToEndTests : IAsyncLifetime
{
    private const string Node = "ruby1.example.net";
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);
    private ChoriaTestNetwork Network { get; } = new();
    private string _clientConfig = "";

    public async Task InitializeAsync()
    {
        await Network.StartBrokerAsync();
        var serverAgents = Directory.CreateDirectory(Path.Combine(Network.Root, "server-lib", "mcollective", "agent")).FullName;
        var clientAgents = Directory.CreateDirectory(Path.Combine(Network.Root, "client-lib", "mcollective", "agent")).FullName;
        foreach (var name in new[] { "ddlonly", "failing" })
        {
            File.Copy(Fixture(name + ".rb"), Path.Combine(serverAgents, name + ".rb"));
            File.Copy(Fixture(name + ".ddl"), Path.Combine(serverAgents, name + ".ddl"));
            File.Copy(Fixture(name + ".ddl"), Path.Combine(clientAgents, name + ".ddl"));
        }

        var cache = Path.Combine(Network.Root, "ddl-cache-client");
        _clientConfig = Network.WriteClientConfig("rip.mcollective",
            $"discovery_timeout = 1\nlibdir = {Path.Combine(Network.Root, "client-lib")}\nplugin.choria.agent_provider.mcorpc.ddl_cache = {cache}\n");
    }

    public async Task DisposeAsync() => await Network.DisposeAsync();

    [Fact]
    public async Task A_stock_ruby_agent_with_only_a_ruby_ddl_answers_choria_req_with_validation_defaults_and_failures()
    {
        var audit = Path.Combine(Network.Root, "audit.log");
        var server = await Network.StartServerAsync(Node, """{"role":"web"}""", extraConfig:
            $"plugin.choria.agent_provider.mcorpc.libdir = {Path.Combine(Network.Root, "server-lib")}\n" +
            $"plugin.choria.agent_provider.mcorpc.ddl_cache = {Path.Combine(Network.Root, "ddl-cache-server")}\n" +
            $"rpcaudit = 1\nplugin.rpcaudit.logfile = {audit}\n");

        var echo = await ReqAsync("ddlonly", "echo", "message=hello", "count=3");
        Assert.Equal(0, echo.GetProperty("statuscode").GetInt32());
        Assert.Equal("hello", echo.GetProperty("data").GetProperty("message").GetString());
        Assert.Equal(3, echo.GetProperty("data").GetProperty("count").GetInt32());
        Assert.Equal("choria=rip.mcollective", echo.GetProperty("data").GetProperty("caller").GetString());

        // The DDL's output default fills what the Ruby action left unset.
        var ping = await ReqAsync("ddlonly", "ping");
        Assert.Equal(0, ping.GetProperty("statuscode").GetInt32());
        Assert.Equal("pong", ping.GetProperty("data").GetProperty("pong").GetString());

        var failed = await ReqAsync("failing", "refuse");
        Assert.Equal(1, failed.GetProperty("statuscode").GetInt32());
        Assert.Equal("Could not do the thing", failed.GetProperty("statusmsg").GetString());

        var exploded = await ReqAsync("failing", "explode");
        Assert.NotEqual(0, exploded.GetProperty("statuscode").GetInt32());
        Assert.Contains("kaboom", exploded.GetProperty("statusmsg").GetString(), StringComparison.Ordinal);

        var names = (await ReqAsync("rpcutil", "inventory")).GetProperty("data").GetProperty("agents").EnumerateArray().Select(a => a.GetString()).ToList();
        Assert.Contains("ddlonly", names);
        Assert.Contains("failing", names);
        var inventory = (await ReqAsync("rpcutil", "agent_inventory")).GetProperty("data").GetProperty("agents").EnumerateArray().ToList();
        var ddlonly = Assert.Single(inventory, a => a.GetProperty("agent").GetString() == "ddlonly");
        Assert.Equal("1.2.3", ddlonly.GetProperty("version").GetString());

        Assert.Contains(await File.ReadAllLinesAsync(audit), l => l.Contains("\"ddlonly\"", StringComparison.Ordinal) && l.Contains("\"echo\"", StringComparison.Ordinal));
        Assert.Equal(0, await server.Process.TerminateAsync(TimeSpan.FromSeconds(10)));
    }

    private async Task<JsonElement> ReqAsync(string agent, string action, params string[] inputs)
    {
        var (code, output) = await Network.RunChoriaAsync(["req", agent, action, .. inputs, "-I", Node, "--json", "--config", _clientConfig], s_timeout);
        Assert.True(code == 0, $"exit {code}:\n{output}");
        var start = output.IndexOf('{', StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(output[start..(output.LastIndexOf('}') + 1)]);
        return Assert.Single(doc.RootElement.GetProperty("replies").EnumerateArray()).Clone();
    }

    private static string Fixture(string name) => TestPaths.Fixture("agents", "ruby", "mcollective", "agent", name);
}
