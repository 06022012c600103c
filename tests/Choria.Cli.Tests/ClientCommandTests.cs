using System.CommandLine;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Choria.Cli.Commands.Shared;

namespace Choria.Cli.Tests;

/// <summary>Flag parsing and the errors that must happen before any network I/O.</summary>
public sealed class ClientCommandTests : IDisposable
{
    private readonly CliHarness _harness = new(DeadPort());

    public void Dispose() => _harness.Dispose();

    private static int DeadPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static (FilterOptions Options, ParseResult Parse) ParseFilters(params string[] args)
    {
        var options = new FilterOptions();
        var cmd = new RootCommand();
        options.AddTo(cmd);
        return (options, cmd.Parse(args));
    }

    [Fact]
    public void Every_filter_flag_kind_lands_in_its_filter_section()
    {
        var (options, parse) = ParseFilters(
            "-F", "role=db", "--wf", "country=~/mt/", "-C", "role::db", "-A", "puppet", "-I", "/node1/", "--wi", "n2",
            "-W", "os=linux apache", "-S", "role=web and hostname=node4", "-S", "expr:facts.x == 1", "-T", "other");

        Assert.Empty(parse.Errors);
        Assert.True(options.TryBuild(parse, out var filter, out var error), error);

        Assert.Equal(["role", "country", "os"], filter.Fact.Select(f => f.Fact));
        Assert.Equal(["==", "=~", "=="], filter.Fact.Select(f => f.Operator));
        Assert.Equal(["role::db", "apache"], filter.CfClass);
        Assert.Equal(["puppet"], filter.Agent);
        Assert.Equal(["/node1/", "n2"], filter.Identity);
        Assert.Equal(2, filter.Compound.Count);
        Assert.Equal("""{"statement":"role=web"}""", filter.Compound[0][0].GetRawText());
        Assert.Equal("""{"expr":"facts.x == 1"}""", Assert.Single(filter.Compound[1]).GetRawText());
        Assert.Equal("other", options.Collective(parse));
    }

    [Fact]
    public void No_filter_flags_give_an_empty_filter()
    {
        var (options, parse) = ParseFilters();

        Assert.True(options.TryBuild(parse, out var filter, out _));
        Assert.True(filter.IsEmpty);
        Assert.Null(options.Collective(parse));
    }

    [Fact]
    public async Task Bad_fact_filter_is_reported_before_connecting()
    {
        var (code, _, err) = await CliHarness.RunAsync("req", "rpcutil", "ping", "-F", "notafilter", "--config", _harness.ConfigFile);

        Assert.Equal(1, code);
        Assert.Contains("Could not parse fact notafilter", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_inputs_and_actions_fail_without_touching_the_broker()
    {
        var sw = Stopwatch.StartNew();
        var missing = await CliHarness.RunAsync("req", "rpcutil", "get_fact", "--config", _harness.ConfigFile);
        var typed = await CliHarness.RunAsync("rpc", "rpcutil", "ping", "x=1", "--config", _harness.ConfigFile);
        var action = await CliHarness.RunAsync("req", "rpcutil", "nosuch", "--config", _harness.ConfigFile);
        var agent = await CliHarness.RunAsync("req", "nosuch", "x", "--config", _harness.ConfigFile);

        Assert.All(new[] { missing, typed, action, agent }, r => Assert.Equal(1, r.Code));
        Assert.Contains("invalid input: input 'fact' is required", missing.Err, StringComparison.Ordinal);
        Assert.Contains("invalid input: 'x' is not a valid input", typed.Err, StringComparison.Ordinal);
        Assert.Contains("invalid action nosuch for agent rpcutil", action.Err, StringComparison.Ordinal);
        Assert.Contains("could not find DDL for agent nosuch", agent.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("connect", missing.Err + typed.Err + action.Err + agent.Err, StringComparison.Ordinal);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), $"took {sw.Elapsed}");
    }

    [Fact]
    public async Task A_request_error_wins_over_the_connect_made_beside_it_and_does_not_wait_for_it()
    {
        // The connect to the dead broker runs while the DDL is checked (docs/client.md); it is bounded by 5 s, so a
        // command that waited for it instead of abandoning it would take that long.
        var nodes = Path.Combine(_harness.Dir, "nodes.txt");
        await File.WriteAllTextAsync(nodes, "node1.example.net\n");
        var sw = Stopwatch.StartNew();
        var agent = await CliHarness.RunAsync("req", "nosuch", "x", "--nodes", nodes, "--config", _harness.ConfigFile);
        var action = await CliHarness.RunAsync("req", "rpcutil", "nosuch", "--nodes", nodes, "--config", _harness.ConfigFile);

        Assert.Equal(1, agent.Code);
        Assert.Equal("choria: Could not run Choria: could not find DDL for agent nosuch", agent.Err.Trim());
        Assert.Equal(1, action.Code);
        Assert.StartsWith("choria: Could not run Choria: invalid action nosuch for agent rpcutil", action.Err, StringComparison.Ordinal);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(4), $"took {sw.Elapsed}");
    }

    [Fact]
    public async Task A_valid_request_to_a_dead_broker_reports_the_connect_failure()
    {
        var nodes = Path.Combine(_harness.Dir, "nodes.txt");
        await File.WriteAllTextAsync(nodes, "node1.example.net\n");

        var (code, _, err) = await CliHarness.RunAsync("req", "rpcutil", "ping", "--nodes", nodes, "--config", _harness.ConfigFile);

        Assert.Equal(1, code);
        Assert.Equal("choria: Could not run Choria: could not connect to the Choria broker within 5s", err.Trim());
    }

    [Fact]
    public async Task A_bad_nodes_file_is_reported_after_the_ddl_checks_as_before()
    {
        var nodes = Path.Combine(_harness.Dir, "nodes.json");
        await File.WriteAllTextAsync(nodes, "[1, 2]");

        var bad = await CliHarness.RunAsync("req", "rpcutil", "ping", "--nodes", nodes, "--config", _harness.ConfigFile);
        var both = await CliHarness.RunAsync("req", "nosuch", "x", "--nodes", nodes, "--config", _harness.ConfigFile);

        Assert.Equal(1, bad.Code);
        Assert.Equal("choria: Could not run Choria: nodes JSON must be an array of identities", bad.Err.Trim());
        Assert.Equal("choria: Could not run Choria: could not find DDL for agent nosuch", both.Err.Trim());
    }

    [Fact]
    public async Task Missing_arguments_are_parse_errors()
    {
        var (code, _, err) = await CliHarness.RunAsync("req", "rpcutil");

        Assert.Equal(1, code);
        Assert.Contains("Required argument missing", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_broker_that_is_down_fails_within_the_timeout()
    {
        var sw = Stopwatch.StartNew();
        var (code, _, err) = await CliHarness.RunAsync("ping", "--timeout", "1", "--config", _harness.ConfigFile);

        Assert.Equal(1, code);
        Assert.Contains("Could not run Choria: could not connect to the Choria broker", err, StringComparison.Ordinal);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(15), $"took {sw.Elapsed}");
    }

    private string PuppetConfig(string extra)
    {
        var ssl = Directory.CreateDirectory(Path.Combine(_harness.Dir, "ssl")).FullName;
        var path = Path.Combine(_harness.Dir, "puppet-client.conf");
        File.WriteAllText(path, $"identity = node.example.net\nplugin.security.provider = puppet\nplugin.choria.ssldir = {ssl}\nplugin.choria.use_srv = false\n{extra}");
        return path;
    }

    [Fact]
    public async Task A_puppet_provider_client_refuses_to_run_as_root()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            return; // CI runs as root; the policy itself is unit tested in Choria.Client.Tests.
        }

        foreach (var args in new[] { new[] { "ping" }, ["req", "rpcutil", "ping"], ["tool", "sub", "x"] })
        {
            var (code, _, err) = await CliHarness.RunAsync([.. args, "--config", PuppetConfig("")]);

            Assert.Equal(1, code);
            Assert.Contains("Could not run Choria: cannot run a Choria client as root with the puppet security provider", err, StringComparison.Ordinal);
            Assert.Contains("plugin.security.puppet.allow_root_client = true", err, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_puppet_provider_root_client_runs_when_allowed()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            return;
        }

        var (code, _, err) = await CliHarness.RunAsync("ping", "--config", PuppetConfig("plugin.security.puppet.allow_root_client = true\n"));

        // Past the policy it fails on the next check: the empty SSL directory has no certificate.
        Assert.Equal(1, code);
        Assert.DoesNotContain("as root", err, StringComparison.Ordinal);
        Assert.Contains("node.example.net", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Discover_reads_a_nodes_file_without_a_broker()
    {
        var nodes = Path.Combine(_harness.Dir, "nodes.txt");
        await File.WriteAllTextAsync(nodes, "b.example.net\n\na.example.net\n");

        var text = await CliHarness.RunAsync("discover", "--nodes", nodes, "-v", "--config", _harness.ConfigFile);
        var json = await CliHarness.RunAsync("find", "--nodes", nodes, "-j", "--config", _harness.ConfigFile);

        Assert.Equal(0, text.Code);
        Assert.StartsWith("a.example.net\nb.example.net\n", text.Out, StringComparison.Ordinal);
        Assert.Contains("Discovered 2 nodes using the flatfile method", text.Out, StringComparison.Ordinal);
        Assert.Equal("[\n  \"a.example.net\",\n  \"b.example.net\"\n]\n", json.Out);
    }

    [Fact]
    public async Task Inventory_needs_an_identity_or_collectives()
    {
        var (code, _, err) = await CliHarness.RunAsync("inventory", "--config", _harness.ConfigFile);

        Assert.Equal(1, code);
        Assert.Contains("an identity or --collectives is required", err, StringComparison.Ordinal);
    }
}
