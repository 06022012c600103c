using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Choria.Connector.Tests;

[Trait(TestCategory.Name, TestCategory.Process)]
public class ConnectionTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(10);

    private static ConnectorOptions Options(params BrokerHost[] servers) => new()
    {
        Servers = servers,
        Name = "test.example.net",
        ReconnectWait = TimeSpan.FromMilliseconds(100),
        ReconnectJitter = TimeSpan.FromMilliseconds(10),
    };

    private static async Task<ChoriaMessage> ReadOneAsync(ChoriaSubscription sub)
    {
        using var cts = new CancellationTokenSource(s_wait);
        Assert.True(await sub.WaitToReadAsync(cts.Token));
        Assert.True(sub.TryRead(out var msg));
        return msg;
    }

    [Fact]
    public async Task Connects_and_round_trips_raw_bytes_with_reply_subject()
    {
        using var server = await NatsServerProcess.StartAsync();
        await using var conn = await ChoriaConnection.ConnectAsync(Options(server.Host), NullLogger.Instance, default);

        Assert.True(conn.IsConnected);
        Assert.Equal($"nats://127.0.0.1:{server.Port}", conn.ConnectedServerUrl);
        Assert.Equal(1, conn.InitialConnectAttempts);

        await using var sub = await conn.SubscribeAsync("choria.test.raw");
        byte[] payload = [0, 1, 2, 255, .. Encoding.UTF8.GetBytes("{\"x\":1}")];
        Assert.Equal(PublishResult.Published, await conn.PublishAsync("choria.test.raw", payload, "choria.reply.1"));

        var msg = await ReadOneAsync(sub);
        Assert.Equal("choria.test.raw", msg.Subject);
        Assert.Equal("choria.reply.1", msg.ReplyTo);
        Assert.Equal(payload, msg.Data.ToArray());
    }

    [Fact]
    public async Task Queue_group_delivers_each_message_to_one_member()
    {
        using var server = await NatsServerProcess.StartAsync();
        await using var a = await ChoriaConnection.ConnectAsync(Options(server.Host), NullLogger.Instance, default);
        await using var b = await ChoriaConnection.ConnectAsync(Options(server.Host), NullLogger.Instance, default);
        await using var subA = await a.SubscribeAsync("work", "workers");
        await using var subB = await b.SubscribeAsync("work", "workers");
        await using var plain = await b.SubscribeAsync("work");
        await a.FlushAsync();
        await b.FlushAsync();

        const int count = 50;
        for (var i = 0; i < count; i++)
        {
            await a.PublishAsync("work", Encoding.ASCII.GetBytes(i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        await a.FlushAsync();
        var seenPlain = new List<string>();
        while (seenPlain.Count < count)
        {
            seenPlain.Add(Encoding.ASCII.GetString((await ReadOneAsync(plain)).Data.Span));
        }

        await b.FlushAsync();
        var queued = new List<string>();
        while (subA.TryRead(out var m) || subB.TryRead(out m))
        {
            queued.Add(Encoding.ASCII.GetString(m.Data.Span));
        }

        Assert.Equal(count, queued.Count);
        Assert.Equal(count, queued.Distinct().Count());
    }

    [Fact]
    public async Task Reconnects_after_the_server_restarts_on_the_same_port()
    {
        using var server = await NatsServerProcess.StartAsync();
        var changes = Channel.CreateUnbounded<ConnectionStateChangedEventArgs>();
        await using var conn = await ChoriaConnection.ConnectAsync(Options(server.Host), NullLogger.Instance, default);
        conn.StateChanged += (_, e) => changes.Writer.TryWrite(e);
        await using var sub = await conn.SubscribeAsync("after.restart");
        await conn.FlushAsync();

        server.Stop();
        using var cts = new CancellationTokenSource(s_wait);
        Assert.Equal(ConnectionStateChange.Disconnected, (await changes.Reader.ReadAsync(cts.Token)).Change);
        Assert.False(conn.IsConnected);

        // While disconnected, small publishes return at once and queue; beyond the 10 KiB reconnect buffer they fail.
        var queued = conn.PublishAsync("after.restart", "queued"u8.ToArray(), cancellationToken: cts.Token);
        Assert.True(queued.IsCompleted);
        Assert.Equal(PublishResult.Published, await queued);
        Assert.Equal(PublishResult.ReconnectBufferFull, await conn.PublishAsync("after.restart", new byte[11 * 1024], cancellationToken: cts.Token));

        await server.StartAgainAsync();
        var reconnected = await changes.Reader.ReadAsync(cts.Token);
        Assert.Equal(ConnectionStateChange.Reconnected, reconnected.Change);
        Assert.Equal($"nats://127.0.0.1:{server.Port}", reconnected.ServerUrl);
        Assert.Equal(1, conn.Reconnects);
        Assert.Equal(1, conn.Disconnects);

        await conn.PublishAsync("after.restart", "again"u8.ToArray());
        // The queued publish waits inside NATS.Net for the new connection and may be written after "again";
        // what matters is that it is delivered at all (a lost one makes ReadOneAsync time out).
        var received = new List<string>();
        while (!received.Contains("again") || !received.Contains("queued"))
        {
            received.Add(Encoding.ASCII.GetString((await ReadOneAsync(sub)).Data.Span));
        }

        Assert.DoesNotContain(received, r => r.Length > 100);
        Assert.Equal(2, received.Count);
    }

    [Fact]
    public async Task Initial_connect_retries_until_the_server_appears_logging_each_failure()
    {
        var port = FreePort.Next();
        var logger = new CapturingLogger();
        var connecting = ChoriaConnection.ConnectAsync(Options(new BrokerHost("127.0.0.1", port)), logger, default);

        await Task.Delay(TimeSpan.FromMilliseconds(300));
        Assert.False(connecting.IsCompleted);
        using var server = await NatsServerProcess.StartAsync(port: port);

        await using var conn = await connecting.WaitAsync(s_wait);
        Assert.True(conn.IsConnected);
        Assert.True(conn.InitialConnectAttempts >= 2);
        var failures = logger.Entries.Where(e => e.Message.StartsWith("Initial connection attempt", StringComparison.Ordinal)).ToList();
        Assert.Equal(conn.InitialConnectAttempts - 1, failures.Count);
        Assert.All(failures, f => Assert.Equal(LogLevel.Warning, f.Level));
        Assert.Contains($"nats://127.0.0.1:{port}", failures[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Initial_connect_stops_when_cancelled()
    {
        var port = FreePort.Next();
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(1500));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            ChoriaConnection.ConnectAsync(Options(new BrokerHost("127.0.0.1", port)), NullLogger.Instance, cts.Token));
    }

    [Fact]
    public async Task User_and_password_authenticate_and_wrong_ones_are_refused()
    {
        using var server = await NatsServerProcess.StartAsync("authorization { user: choria, password: s3cret }");
        await using (var ok = await ChoriaConnection.ConnectAsync(Options(server.Host) with { User = "choria", Password = "s3cret" }, NullLogger.Instance, default))
        {
            Assert.True(ok.IsConnected);
        }

        var logger = new CapturingLogger();
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(1500));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            ChoriaConnection.ConnectAsync(Options(server.Host) with { User = "choria", Password = "wrong" }, logger, cts.Token));
        Assert.Contains(logger.Entries, e => e.Message.Contains("Authorization", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Counts_messages_dropped_by_a_full_subscription_buffer()
    {
        using var server = await NatsServerProcess.StartAsync();
        await using var conn = await ChoriaConnection.ConnectAsync(Options(server.Host), NullLogger.Instance, default);
        await using var sub = await conn.SubscribeAsync("slow", null, 10, BoundedChannelFullMode.DropNewest);
        for (var i = 0; i < 100; i++)
        {
            await conn.PublishAsync("slow", "x"u8.ToArray());
        }

        await conn.FlushAsync();
        using var cts = new CancellationTokenSource(s_wait);
        while (sub.Dropped < 90)
        {
            await Task.Delay(10, cts.Token);
        }

        Assert.Equal(90, sub.Dropped);
        Assert.Equal(90, conn.DroppedMessages);
        Assert.Equal(10, sub.Pending);
    }

    [Fact]
    public async Task Smoke_ten_thousand_messages_all_arrive()
    {
        using var server = await NatsServerProcess.StartAsync();
        await using var pub = await ChoriaConnection.ConnectAsync(Options(server.Host), NullLogger.Instance, default);
        await using var rcv = await ChoriaConnection.ConnectAsync(Options(server.Host) with { SubscriptionCapacity = 20_000 }, NullLogger.Instance, default);
        await using var sub = await rcv.SubscribeAsync("bulk.>");
        await rcv.FlushAsync();

        const int count = 10_000;
        var payload = new byte[512];
        var reading = Task.Run(async () =>
        {
            var n = 0;
            long bytes = 0;
            await foreach (var m in sub.ReadAllAsync(new CancellationTokenSource(s_wait).Token))
            {
                bytes += m.Data.Length;
                if (++n == count)
                {
                    break;
                }
            }

            return (n, bytes);
        });

        for (var i = 0; i < count; i++)
        {
            await pub.PublishAsync("bulk.reply", payload);
        }

        await pub.FlushAsync();
        var (received, total) = await reading;
        Assert.Equal(count, received);
        Assert.Equal((long)count * payload.Length, total);
        Assert.Equal(0, sub.Dropped);
    }
}
