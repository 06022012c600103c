using Choria.IntegrationTests.Infrastructure;
using Choria.Security.Dev;
using Xunit.Abstractions;

namespace Choria.IntegrationTests.Faults;

/// <summary>
/// A real <c>choria server run</c> whose disk, certificates or clock go wrong: it says so in its log and its
/// metrics, keeps serving what it safely can and refuses what it must.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Process)]
[Trait(TestCategory.Group, TestCategory.Faults)]
public sealed class ServerResourceFaultTests(ITestOutputHelper output)
{
    private const string Node = "disk.example.net";

    [Fact]
    public async Task A_full_disk_for_the_audit_log_and_an_unwritable_status_file_are_logged_counted_and_requests_still_answered()
    {
        await using var scenario = new FaultScenario();
        await scenario.StartBrokerAsync(TestBrokerKind.NatsServer);
        // Tests run as root in CI, where permissions do not stop a write: /dev/full fails every write with
        // ENOSPC (a full disk) and a status directory that is a plain file fails with ENOTDIR.
        var blocked = Path.Combine(scenario.Network.Root, "status-dir");
        await File.WriteAllTextAsync(blocked, "not a directory");
        var statusFile = Path.Combine(blocked, "status.json");
        var stats = FreePort.Next();
        var server = await scenario.Network.StartServerAsync(Node, extraConfig: $"""
            plugin.choria.stats_address = 127.0.0.1
            plugin.choria.stats_port = {stats}
            plugin.choria.status_file_path = {statusFile}
            plugin.choria.status_update_interval = 1
            rpcaudit = 1
            plugin.rpcaudit.logfile = /dev/full
            """ + "\n");
        await using var client = await ChoriaTestClient.ConnectAsync(scenario.ClientConfig);

        var replies = await client.RpcAsync("rpcutil", "ping", node: Node, timeout: TimeSpan.FromSeconds(10));
        Assert.Single(replies);
        await server.Process.WaitForOutputAsync("Could not write audit log /dev/full", TimeSpan.FromSeconds(10));
        await server.Process.WaitForOutputAsync($"Could not write status file {statusFile}", TimeSpan.FromSeconds(10));
        output.WriteLine(string.Join('\n', server.Process.Lines.Where(l => l.Contains("Could not write", StringComparison.Ordinal)).Distinct().Take(2)));
        Assert.True(await FaultScenario.WaitForMetricAsync(stats, "choria_server_write_failures_total", "file=\"audit_log\"", 1), "audit log write failures not counted");
        Assert.True(await FaultScenario.WaitForMetricAsync(stats, "choria_server_write_failures_total", "file=\"status_file\"", 2), "status file write failures not counted");

        // Space comes back: the next interval writes the status file, nothing restarted.
        File.Delete(blocked);
        Directory.CreateDirectory(blocked);
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!File.Exists(statusFile) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        Assert.True(File.Exists(statusFile), "the status file was not written once its directory existed");
        Assert.False(server.Process.HasExited, server.Process.Output);
    }

    [Theory]
    [InlineData("missing", "Could not find file")]
    [InlineData("garbage", "do not contain a PEM with a CERTIFICATE label")]
    public async Task A_missing_or_unreadable_certificate_keeps_the_server_retrying_with_the_reason_logged(string fault, string reason)
    {
        await using var scenario = new FaultScenario();
        await scenario.StartBrokerAsync(TestBrokerKind.NatsServer);
        var cert = scenario.Network.IssueCertificate("broken.example.net");
        var copy = Path.Combine(scenario.Network.Root, "broken.pem");
        if (fault == "garbage")
        {
            await File.WriteAllTextAsync(copy, "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n");
        }

        var config = Path.Combine(scenario.Network.Root, "broken.conf");
        await File.WriteAllTextAsync(config, scenario.Network.BaseConfig("broken.example.net", "broken.example.net").Replace(cert.CertificatePath, copy, StringComparison.Ordinal) + "loglevel = info\n");
        // As the Go server: it never connects without its certificate, says why on every attempt with back-off,
        // and picks the certificate up once it is there (a node being provisioned gets its certificate late).
        var process = scenario.Network.StartChoria(["server", "run", "--config", config]);
        await process.WaitForOutputAsync("Initial connection attempt 3", TimeSpan.FromSeconds(90));
        output.WriteLine(process.Lines.First(l => l.Contains("Initial connection attempt", StringComparison.Ordinal)));
        Assert.Contains(process.Lines, l => l.Contains("Initial connection attempt", StringComparison.Ordinal) && l.Contains(reason, StringComparison.Ordinal));
        Assert.False(process.HasExited, process.Output);

        File.Copy(cert.CertificatePath, copy, overwrite: true);
        await process.WaitForOutputAsync("ready", TimeSpan.FromSeconds(120));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1)]
    public async Task A_request_from_a_clock_an_hour_off_is_refused_as_ttl_expired_and_counted(int hours)
    {
        await using var scenario = new FaultScenario();
        await scenario.StartBrokerAsync(TestBrokerKind.NatsServer);
        var stats = FreePort.Next();
        var server = await scenario.StartServerAsync(Node, stats);
        await using var client = await ChoriaTestClient.ConnectAsync(scenario.ClientConfig);

        var skewed = client.Prepare("rpcutil", "{\"action\":\"ping\",\"data\":{}}", clock: TestClock.Shifted(TimeSpan.FromHours(hours)));
        var replies = await client.RequestAsync(skewed, "rpcutil", node: Node, timeout: TimeSpan.FromSeconds(3));
        Assert.Empty(replies);
        await server.Process.WaitForOutputAsync("is too old, TTL is 60", TimeSpan.FromSeconds(10));
        Assert.Equal(1, await FaultScenario.MetricAsync(stats, "choria_server_dropped_total", "reason=\"ttl_expired\""));

        // A request from a correct clock is still answered.
        Assert.Single(await client.RpcAsync("rpcutil", "ping", node: Node, timeout: TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_CA_file_replaced_at_run_time_is_picked_up_so_the_old_CA_is_refused_and_counted_and_the_restored_CA_serves_again()
    {
        await using var scenario = new FaultScenario();
        await scenario.StartBrokerAsync(TestBrokerKind.NatsServer);
        var ca = Path.Combine(scenario.Network.Root, "server-ca.pem");
        File.Copy(scenario.Network.CaPath, ca);
        var stats = FreePort.Next();
        var server = await scenario.Network.StartServerAsync(Node, extraConfig: $"""
            plugin.choria.stats_address = 127.0.0.1
            plugin.choria.stats_port = {stats}
            plugin.security.file.ca = {ca}
            """ + "\n");
        await using var client = await ChoriaTestClient.ConnectAsync(scenario.ClientConfig);
        Assert.Single(await client.RpcAsync("rpcutil", "ping", node: Node, timeout: TimeSpan.FromSeconds(10)));

        // The operator rotates the CA: the client's certificate, from the old CA, no longer chains to the file's CA.
        // The server re-reads the file once its stamp changes (checked at most every second).
        using var other = DevCertificateAuthority.Create(Path.Combine(scenario.Network.Root, "other-ca"), "Other CA");
        File.Copy(other.CaPath, ca, overwrite: true);
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.Empty(await client.RpcAsync("rpcutil", "ping", node: Node, timeout: TimeSpan.FromSeconds(3)));
        await server.Process.WaitForOutputAsync("(SecurityFailed)", TimeSpan.FromSeconds(10));
        output.WriteLine(server.Process.Lines.First(l => l.Contains("(SecurityFailed)", StringComparison.Ordinal)));
        Assert.True(await FaultScenario.WaitForMetricAsync(stats, "choria_server_dropped_total", "reason=\"security_failed\"", 1), "the refusal was not counted");

        // A CA file that is not a certificate: refused too, and the log names the file.
        await File.WriteAllTextAsync(ca, "not a certificate\n");
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.Empty(await client.RpcAsync("rpcutil", "ping", node: Node, timeout: TimeSpan.FromSeconds(3)));
        await server.Process.WaitForOutputAsync($"CA {ca} is unusable", TimeSpan.FromSeconds(10));
        Assert.True(await FaultScenario.WaitForMetricAsync(stats, "choria_server_dropped_total", "reason=\"security_failed\"", 2), "the second refusal was not counted");

        // The right CA back: served again, nothing restarted.
        File.Copy(scenario.Network.CaPath, ca, overwrite: true);
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.Single(await client.RpcAsync("rpcutil", "ping", node: Node, timeout: TimeSpan.FromSeconds(10)));
        Assert.False(server.Process.HasExited, server.Process.Output);
    }

    [Fact]
    public async Task A_missing_registration_data_file_is_logged_and_counted_and_publishing_resumes_once_it_is_there()
    {
        await using var scenario = new FaultScenario();
        await scenario.StartBrokerAsync(TestBrokerKind.NatsServer);
        var data = Path.Combine(scenario.Network.Root, "registration.json");
        var stats = FreePort.Next();
        var server = await scenario.Network.StartServerAsync(Node, extraConfig: $"""
            plugin.choria.stats_address = 127.0.0.1
            plugin.choria.stats_port = {stats}
            registration = file_content
            registerinterval = 1
            plugin.choria.registration.file_content.data = {data}
            plugin.choria.registration.file_content.target = test.registration
            """ + "\n");
        await using var client = await ChoriaTestClient.ConnectAsync(scenario.ClientConfig);
        await using var subscription = await client.Connection.SubscribeAsync("test.registration");
        await client.Connection.FlushAsync();

        await server.Process.WaitForOutputAsync($"could not find data file {data}", TimeSpan.FromSeconds(15));
        Assert.True(await FaultScenario.WaitForMetricAsync(stats, "choria_server_registration_failures_total", "reason=\"data_file_missing\"", 2), "missing data file not counted");

        await File.WriteAllTextAsync(data, "{\"role\":\"web\"}");
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var published = await subscription.ReadAllAsync(wait.Token).FirstAsync(wait.Token);
        Assert.True(published.Data.Length > 0);
        Assert.False(server.Process.HasExited, server.Process.Output);
    }
}
