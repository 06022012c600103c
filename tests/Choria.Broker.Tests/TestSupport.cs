using Choria.Broker.Network;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Choria.Broker.Tests;

internal static class TestSupport
{
    public static ILogger<T> Logger<T>() => NullLogger<T>.Instance;

    public static NetworkBrokerOptions Options(TestPki pki, string identity, int clientPort, int peerPort = 0)
    {
        var (cert, key) = pki.Issue(identity);
        return new NetworkBrokerOptions
        {
            Identity = identity,
            ListenAddress = "127.0.0.1",
            ClientPort = clientPort,
            PeerPort = peerPort,
            TlsCertificate = cert,
            TlsKey = key,
            TlsCa = pki.CaFile,
            MonitorPort = FreePort.Next(),

            // The 2 s default handshake timeout is too tight on a loaded 2-core CI box with parallel tests.
            TlsTimeout = TimeSpan.FromSeconds(10),
            SoftShutdownTimeout = TimeSpan.FromSeconds(5),
            ReadinessTimeout = TimeSpan.FromSeconds(20),
        };
    }

    public static async Task WaitUntil(Func<bool> condition, TimeSpan timeout, string what)
    {
        var end = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > end)
            {
                throw new TimeoutException("timed out waiting for " + what);
            }

            await Task.Delay(50);
        }
    }
}
