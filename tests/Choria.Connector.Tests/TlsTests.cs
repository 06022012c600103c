using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging.Abstractions;

namespace Choria.Connector.Tests;

[Trait(TestCategory.Name, TestCategory.Process)]
public sealed class TlsTests : IDisposable
{
    private readonly TestCerts _certs = TestCerts.Create();

    public void Dispose() => _certs.Dispose();

    private static ConnectorOptions Options(NatsServerProcess server, ConnectorTlsOptions tls, string host = "127.0.0.1") => new()
    {
        Servers = [new BrokerHost(host, server.Port)],
        Tls = tls,
        Name = "tls.example.net",
    };

    [Theory]
    [InlineData(true, "127.0.0.1")]
    [InlineData(false, "127.0.0.1")]
    [InlineData(true, "localhost")]
    public async Task Connects_with_a_client_certificate_and_round_trips(bool pkcs1, string host)
    {
        using var server = await NatsServerProcess.StartAsync(_certs.ServerTlsConfig());
        var tls = new ConnectorTlsOptions(_certs.CertFile, pkcs1 ? _certs.Pkcs1KeyFile : _certs.Pkcs8KeyFile, _certs.CaFile, Verify: true);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using var conn = await ChoriaConnection.ConnectAsync(Options(server, tls, host), NullLogger.Instance, cts.Token);

        await using var sub = await conn.SubscribeAsync("tls.test");
        await conn.PublishAsync("tls.test", "secret"u8.ToArray());
        Assert.True(await sub.WaitToReadAsync(cts.Token));
        Assert.True(sub.TryRead(out var msg));
        Assert.Equal("secret"u8.ToArray(), msg.Data.ToArray());
    }

    [Fact]
    public async Task A_client_certificate_loader_is_asked_on_connect_and_its_certificate_is_presented()
    {
        using var server = await NatsServerProcess.StartAsync(_certs.ServerTlsConfig());
        var calls = 0;
        var tls = new ConnectorTlsOptions("unused-cert.pem", "unused-key.pem", _certs.CaFile, Verify: true)
        {
            ClientCertificates = () =>
            {
                Interlocked.Increment(ref calls);
                return [X509Certificate2.CreateFromPemFile(_certs.CertFile, _certs.Pkcs8KeyFile)];
            },
        };
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using var conn = await ChoriaConnection.ConnectAsync(Options(server, tls), NullLogger.Instance, cts.Token);

        Assert.True(conn.IsConnected);
        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task A_broker_that_requires_client_certificates_refuses_a_loaded_certificate_from_another_ca()
    {
        using var foreign = TestCerts.Create();
        using var server = await NatsServerProcess.StartAsync(_certs.ServerTlsConfig());
        // The broker's certificate is trusted; the client's own comes from a CA the broker does not know.
        var tls = new ConnectorTlsOptions(_certs.CertFile, _certs.Pkcs8KeyFile, _certs.CaFile, Verify: true)
        {
            ClientCertificates = () => [X509Certificate2.CreateFromPemFile(foreign.CertFile, foreign.Pkcs8KeyFile)],
        };
        var logger = new CapturingLogger();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(3));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            ChoriaConnection.ConnectAsync(Options(server, tls), logger, cts.Token));
        Assert.Contains(logger.Entries, e => e.Message.StartsWith("Initial connection attempt 1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Refuses_a_broker_whose_certificate_is_not_from_our_ca()
    {
        using var foreign = TestCerts.Create();
        using var server = await NatsServerProcess.StartAsync(_certs.ServerTlsConfig());
        var tls = new ConnectorTlsOptions(_certs.CertFile, _certs.Pkcs1KeyFile, foreign.CaFile, Verify: true);
        var logger = new CapturingLogger();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            ChoriaConnection.ConnectAsync(Options(server, tls), logger, cts.Token));
        Assert.Contains(logger.Entries, e => e.Message.StartsWith("Initial connection attempt 1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Verify_false_accepts_an_unknown_broker_certificate()
    {
        using var foreign = TestCerts.Create();
        using var server = await NatsServerProcess.StartAsync(_certs.ServerTlsConfig());
        var tls = new ConnectorTlsOptions(_certs.CertFile, _certs.Pkcs1KeyFile, foreign.CaFile, Verify: false);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));

        await using var conn = await ChoriaConnection.ConnectAsync(Options(server, tls), NullLogger.Instance, cts.Token);
        Assert.True(conn.IsConnected);
    }

    [Fact]
    public async Task Plain_connection_to_a_tls_broker_fails()
    {
        using var server = await NatsServerProcess.StartAsync(_certs.ServerTlsConfig());
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(1500));
        var options = new ConnectorOptions { Servers = [new BrokerHost("127.0.0.1", server.Port)] };
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            ChoriaConnection.ConnectAsync(options, NullLogger.Instance, cts.Token));
    }
}
