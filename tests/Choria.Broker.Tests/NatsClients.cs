using NATS.Client.Core;

namespace Choria.Broker.Tests;

internal static class NatsClients
{
    public static NatsConnection Tls(int port, string? cert, string? key, string ca, bool reconnect = false) =>
        new(new NatsOpts
        {
            Url = $"tls://127.0.0.1:{port}",
            Name = "choria-broker-tests",
            ConnectTimeout = TimeSpan.FromSeconds(3),
            MaxReconnectRetry = reconnect ? -1 : 0,
            ReconnectWaitMin = TimeSpan.FromMilliseconds(100),
            ReconnectWaitMax = TimeSpan.FromMilliseconds(300),
            TlsOpts = new NatsTlsOpts { CertFile = cert, KeyFile = key, CaFile = ca, Mode = TlsMode.Require },
        });

    /// <summary>Subscribes, then publishes until the subscriber sees a message (routes propagate interest asynchronously).</summary>
    public static async Task<string> RoundTripAsync(NatsConnection publisher, NatsConnection subscriber, string subject, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await using var sub = await subscriber.SubscribeCoreAsync<string>(subject, cancellationToken: cts.Token);
        await subscriber.PingAsync(cts.Token);
        var reader = sub.Msgs;
        while (true)
        {
            await publisher.PublishAsync(subject, "hello", cancellationToken: cts.Token);
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cts.Token);
            wait.CancelAfter(200);
            try
            {
                var msg = await reader.ReadAsync(wait.Token);
                return msg.Data!;
            }
            catch (OperationCanceledException) when (!cts.IsCancellationRequested)
            {
            }
        }
    }
}
