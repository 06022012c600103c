using System.Globalization;
using System.Text.Json;

namespace Choria.Cli.Tests;

[CollectionDefinition(nameof(InsecureEnvironment), DisableParallelization = true)]
public sealed class InsecureEnvironment : ICollectionFixture<InsecureEnvironmentFixture>;

/// <summary>
/// The CLI reads the process environment; <c>INSECURE_YES_REALLY</c> lets these tests use a plain TCP
/// nats-server. The collection runs alone so no other test sees the variable.
/// </summary>
public sealed class InsecureEnvironmentFixture : IDisposable
{
    public InsecureEnvironmentFixture() => Environment.SetEnvironmentVariable("INSECURE_YES_REALLY", "true");

    public void Dispose() => Environment.SetEnvironmentVariable("INSECURE_YES_REALLY", null);
}

/// <summary>The commands against a real nats-server and a simulated fleet.</summary>
[Collection(nameof(InsecureEnvironment))]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "Disposed in DisposeAsync (xunit IAsyncLifetime)")]
[Trait(TestCategory.Name, TestCategory.Process)]
public sealed class ClientCommandsEndToEndTests : IAsyncLifetime
{
    private NatsServerProcess _nats = null!;
    private CliHarness _harness = null!;
    private Responder _fleet = null!;

    public async Task InitializeAsync()
    {
        _nats = await NatsServerProcess.StartAsync();
        _harness = new CliHarness(_nats.Port);
        _fleet = await Responder.StartAsync(_nats.Host, [Node(1, "web"), Node(2, "db"), Node(3, "db"), Node(4, "web", fails: true), Node(5, "web", silent: true)]);
    }

    public async Task DisposeAsync()
    {
        await _fleet.DisposeAsync();
        _harness.Dispose();
        _nats.Dispose();
    }

    private static FakeNode Node(int i, string role, bool silent = false, bool fails = false) =>
        new($"node{i}.example.net", [$"role::{role}"], ["rpcutil", "discovery"], new() { ["role"] = role, ["index"] = i.ToString(CultureInfo.InvariantCulture) }, silent, fails);

    private Task<(int Code, string Out, string Err)> Run(params string[] args) => CliHarness.RunAsync([.. args, "--config", _harness.ConfigFile]);

    [Fact]
    public async Task Ping_prints_a_line_per_node_and_statistics()
    {
        var (code, output, err) = await Run("ping", "--timeout", "1");

        Assert.True(code == 0, err);
        Assert.Equal(4, output.Split('\n').Count(l => l.Contains(" time=", StringComparison.Ordinal)));
        Assert.Contains("\n\n\n---- ping statistics ----\n4 replies max: ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ping_with_no_replies_fails()
    {
        var (code, output, err) = await Run("ping", "--timeout", "1", "-I", "nosuch");
        var names = await Run("ping", "--timeout", "1", "-I", "nosuch", "--names");

        Assert.Equal(1, code);
        Assert.Contains("---- ping statistics ----", output, StringComparison.Ordinal);
        Assert.Contains("no responses received", err, StringComparison.Ordinal);
        Assert.Equal(0, names.Code);
    }

    [Fact]
    public async Task Discover_applies_fact_filters()
    {
        var (code, output, err) = await Run("discover", "-F", "role=db");

        Assert.True(code == 0, err);
        Assert.Equal("node2.example.net\nnode3.example.net\n", output);
    }

    [Fact]
    public async Task Req_reports_failures_summaries_and_exits_zero()
    {
        var (code, output, err) = await Run("req", "rpcutil", "get_fact", "fact=role", "-C", "/role::(db|web)/", "--np");

        Assert.True(code == 0, err);
        Assert.Contains("Discovering nodes .... 4\n", output, StringComparison.Ordinal);
        Assert.Contains("node4.example.net                        Request Aborted\n    simulated failure\n", output, StringComparison.Ordinal);
        Assert.Contains("Summary of Value:\n\n    db = 2\n   web = 1\n", output, StringComparison.Ordinal);
        Assert.Contains("Finished processing 4 / 4 hosts in ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Req_json_lists_replies_and_no_responses_from_a_nodes_file()
    {
        var nodes = Path.Combine(_harness.Dir, "nodes.txt");
        await File.WriteAllTextAsync(nodes, "node1.example.net\nnode5.example.net\n");

        var (code, output, err) = await Run("req", "rpcutil", "ping", "--nodes", nodes, "--json");

        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(output);
        var reply = Assert.Single(doc.RootElement.GetProperty("replies").EnumerateArray());
        Assert.Equal("node1.example.net", reply.GetProperty("sender").GetString());
        Assert.Equal(["node5.example.net"], doc.RootElement.GetProperty("request_stats").GetProperty("no_responses").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Facts_reports_the_value_distribution()
    {
        var (code, output, err) = await Run("facts", "role", "-n");

        Assert.True(code == 0, err);
        Assert.Contains("Report for fact: role\n\n  db   found 2 times\n", output, StringComparison.Ordinal);
        Assert.Contains("      node2.example.net\n", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inventory_reports_one_node()
    {
        var (code, output, err) = await Run("inventory", "node2.example.net");

        Assert.True(code == 0, err);
        Assert.StartsWith("Inventory for node2.example.net\n", output, StringComparison.Ordinal);
        Assert.Contains("                  Version: 0.1.0\n", output, StringComparison.Ordinal);
        Assert.Contains("              Collectives: mcollective, other\n", output, StringComparison.Ordinal);
        Assert.Contains("             Replies Sent: 9\n", output, StringComparison.Ordinal);
        Assert.Contains("      discovery  rpcutil\n", output, StringComparison.Ordinal);
        Assert.Contains("\"role\": \"db\"", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inventory_collectives_counts_members()
    {
        var (code, output, err) = await Run("inventory", "--collectives");

        Assert.True(code == 0, err);
        Assert.Contains("Collective Report for 3 nodes\n", output, StringComparison.Ordinal);
        Assert.Matches(@"mcollective\s+│\s+3", output);
        Assert.Matches(@"other\s+│\s+1", output);
    }
}
