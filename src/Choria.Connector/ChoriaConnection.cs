using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;

namespace Choria.Connector;

/// <summary>
/// One NATS connection carrying raw bytes. Reconnects forever on its own; state changes are logged,
/// counted and raised through <see cref="StateChanged"/>.
/// </summary>
public sealed partial class ChoriaConnection : IAsyncDisposable
{
    /// <summary>Reported by <see cref="ConnectedServerUrl"/> before any broker was reached.</summary>
    public const string UnknownServer = "unknown";

    private static readonly NatsRawSerializer<ReadOnlyMemory<byte>> s_raw = new(NatsDefaultSerializer<ReadOnlyMemory<byte>>.Default);

    private readonly ConnectorOptions _options;
    private readonly ILogger _logger;
    private readonly NatsConnection _nats;
    private readonly ConcurrentDictionary<NatsSubBase, ChoriaSubscription> _subscriptions = new();
    private readonly CancellationTokenSource _closing = new();
    private readonly TrafficCounters _traffic = new();
    private readonly TaskCompletionSource _opened = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string _connectedServerUrl = UnknownServer;
    private long _initialConnectAttempts;
    private long _reconnects;
    private long _disconnects;
    private long _dropped;
    private long _bufferedBytes;
    private int _hasConnected;
    private int _disposed;

    private ChoriaConnection(ConnectorOptions options, ILogger logger)
    {
        _options = options;
        _logger = logger;
        _nats = new NatsConnection(BuildNatsOpts(options));
        _nats.ConnectionOpened += OnOpenedAsync;
        _nats.ConnectionDisconnected += OnDisconnectedAsync;
        _nats.MessageDropped += OnMessageDroppedAsync;
    }

    /// <summary>Raised on connect, disconnect and reconnect, from NATS.Net's event loop.</summary>
    public event EventHandler<ConnectionStateChangedEventArgs>? StateChanged;

    /// <summary><c>nats://host:port</c> of the current broker, or <see cref="UnknownServer"/>.</summary>
    public string ConnectedServerUrl => Volatile.Read(ref _connectedServerUrl);

    public bool IsConnected => _nats.ConnectionState == NatsConnectionState.Open;

    /// <summary>
    /// The underlying NATS.Net connection, for APIs layered on it (JetStream contexts). Its lifetime
    /// stays owned by this object: do not dispose it.
    /// </summary>
    public INatsConnection Nats => _nats;

    public string Name => _options.Name;

    /// <summary>Attempts made by the initial connect loop (<c>choria_connector_initial_connection_attempts</c>).</summary>
    public long InitialConnectAttempts => Interlocked.Read(ref _initialConnectAttempts);

    public long Reconnects => Interlocked.Read(ref _reconnects);

    public long Disconnects => Interlocked.Read(ref _disconnects);

    /// <summary>Traffic totals since the connection was created (<c>choria_util#info</c> <c>client_stats</c>).</summary>
    public ConnectionTraffic Traffic() => _traffic.Snapshot();

    /// <summary>Messages dropped across all subscriptions because their buffers were full.</summary>
    public long DroppedMessages => Interlocked.Read(ref _dropped);

    /// <summary>
    /// Connects, retrying forever with <see cref="ConnectorOptions.InitialConnectBackoff"/> until
    /// <paramref name="cancellationToken"/> is cancelled (then throws <see cref="OperationCanceledException"/>).
    /// Each failed attempt is logged once with its reason.
    /// </summary>
    public static async Task<ChoriaConnection> ConnectAsync(ConnectorOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        if (options.Servers.Count == 0)
        {
            throw new ArgumentException("no broker servers given", nameof(options));
        }

        long attempt = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            attempt++;
            var connection = new ChoriaConnection(options, logger);
            connection._initialConnectAttempts = attempt;
            try
            {
                await connection._nats.ConnectAsync().AsTask().WaitAsync(cancellationToken).ConfigureAwait(false);
                await connection.WaitForOpenedAsync(cancellationToken).ConfigureAwait(false);
                return connection;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                LogInitialConnectFailed(logger, attempt, string.Join(", ", options.Servers.Select(s => s.Url)), Reason(ex));
                await connection.DisposeAsync().ConfigureAwait(false);
            }
            catch
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                throw;
            }

            await options.InitialConnectBackoff.DelayAsync((int)Math.Min(attempt, int.MaxValue), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Publishes raw bytes. While disconnected, publishes are copied into a reconnect buffer of at
    /// most <see cref="ConnectorOptions.ReconnectBufferSize"/> bytes, return at once and are sent after
    /// reconnecting; once the buffer is full they fail with <see cref="PublishResult.ReconnectBufferFull"/>.
    /// </summary>
    public async ValueTask<PublishResult> PublishAsync(string subject, ReadOnlyMemory<byte> data, string? replyTo = null, CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return PublishResult.Closed;
        }

        if (_nats.ConnectionState != NatsConnectionState.Open)
        {
            return BufferWhileDisconnected(subject, data, replyTo);
        }

        await _nats.PublishAsync(subject, data, headers: null, replyTo: replyTo, serializer: s_raw, cancellationToken: cancellationToken).ConfigureAwait(false);
        _traffic.Sent(data.Length);
        return PublishResult.Published;
    }

    /// <summary>Subscribes with the connection's default buffer capacity and full mode.</summary>
    public ValueTask<ChoriaSubscription> SubscribeAsync(string subject, string? queueGroup = null, CancellationToken cancellationToken = default) =>
        SubscribeAsync(subject, queueGroup, _options.SubscriptionCapacity, _options.SubscriptionFullMode, cancellationToken);

    public async ValueTask<ChoriaSubscription> SubscribeAsync(string subject, string? queueGroup, int capacity, BoundedChannelFullMode fullMode, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var opts = new NatsSubOpts { ChannelOpts = new NatsSubChannelOpts { Capacity = capacity, FullMode = fullMode } };
        var sub = await _nats.SubscribeCoreAsync(subject, string.IsNullOrEmpty(queueGroup) ? null : queueGroup, s_raw, opts, cancellationToken).ConfigureAwait(false);
        var wrapper = new ChoriaSubscription(sub, capacity, fullMode, s => _subscriptions.TryRemove(s.Inner, out _), _traffic);
        _subscriptions[wrapper.Inner] = wrapper;
        return wrapper;
    }

    /// <summary>Round trip to the broker: everything published before has been processed by it.</summary>
    public async ValueTask FlushAsync(CancellationToken cancellationToken = default) =>
        await _nats.PingAsync(cancellationToken).ConfigureAwait(false);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _nats.ConnectionOpened -= OnOpenedAsync;
        _nats.ConnectionDisconnected -= OnDisconnectedAsync;
        _nats.MessageDropped -= OnMessageDroppedAsync;
        _subscriptions.Clear();
        await _closing.CancelAsync().ConfigureAwait(false);
        await _nats.DisposeAsync().ConfigureAwait(false);
        _closing.Dispose();
    }

    // NATS.Net has no reconnect buffer: a publish while disconnected waits for the next connection.
    // Choria's clients expect publishes to return while the client reconnects, bounded by a small
    // buffer, so the wait happens here in the background against a byte budget.
    private PublishResult BufferWhileDisconnected(string subject, ReadOnlyMemory<byte> data, string? replyTo)
    {
        var size = data.Length + subject.Length + (replyTo?.Length ?? 0);
        if (Interlocked.Add(ref _bufferedBytes, size) > _options.ReconnectBufferSize)
        {
            Interlocked.Add(ref _bufferedBytes, -size);
            return PublishResult.ReconnectBufferFull;
        }

        _ = SendBufferedAsync(subject, data.ToArray(), replyTo, size);
        return PublishResult.Published;
    }

    private async Task SendBufferedAsync(string subject, byte[] data, string? replyTo, int size)
    {
        try
        {
            await _nats.PublishAsync(subject, (ReadOnlyMemory<byte>)data, headers: null, replyTo: replyTo, serializer: s_raw, cancellationToken: _closing.Token).ConfigureAwait(false);
            _traffic.Sent(size);
        }
        catch (Exception ex)
        {
            LogBufferedPublishFailed(_logger, subject, Reason(ex));
        }
        finally
        {
            Interlocked.Add(ref _bufferedBytes, -size);
        }
    }

    /// <summary>
    /// What NATS.Net does with a certificate and key file pair, from a certificate that already holds its key. Windows'
    /// TLS cannot use a key that only lives in memory, so there the pair goes through a PKCS#12 export first, as
    /// NATS.Net does.
    /// </summary>
    private static ValueTask UseClientCertificates(SslClientAuthenticationOptions ssl, X509Certificate2Collection certificates)
    {
        if (certificates.Count == 0 || !certificates[0].HasPrivateKey)
        {
            throw new InvalidOperationException("the client certificate loader returned no certificate with a private key");
        }

        var leaf = certificates[0];
        if (OperatingSystem.IsWindows())
        {
            leaf = X509CertificateLoader.LoadPkcs12(leaf.Export(X509ContentType.Pkcs12), null);
        }

        var intermediates = new X509Certificate2Collection();
        for (var i = 1; i < certificates.Count; i++)
        {
            intermediates.Add(certificates[i]);
        }

        ssl.ClientCertificateContext = SslStreamCertificateContext.Create(leaf, intermediates);
        return ValueTask.CompletedTask;
    }

    internal static NatsOpts BuildNatsOpts(ConnectorOptions options)
    {
        var auth = NatsAuthOpts.Default;
        if (!string.IsNullOrEmpty(options.User) && !string.IsNullOrEmpty(options.Password))
        {
            auth = auth with { Username = options.User, Password = options.Password };
        }

        var tls = options.Tls switch
        {
            null => new NatsTlsOpts { Mode = TlsMode.Disable },
            { ClientCertificates: { } load } t => new NatsTlsOpts
            {
                CaFile = t.CaFile,
                InsecureSkipVerify = !t.Verify,
                Mode = TlsMode.Require,
                ConfigureClientAuthentication = ssl => UseClientCertificates(ssl, load()),
            },
            { } t => new NatsTlsOpts
            {
                CertFile = t.CertFile,
                KeyFile = t.KeyFile,
                CaFile = t.CaFile,
                InsecureSkipVerify = !t.Verify,
                Mode = TlsMode.Require,
            },
        };

        return NatsOpts.Default with
        {
            Url = string.Join(",", options.Servers.Select(s => $"nats://{s.HostPort}")),
            Name = options.Name,
            AuthOpts = auth,
            TlsOpts = tls,
            NoRandomize = !options.Randomize,
            MaxReconnectRetry = options.MaxReconnects,
            ReconnectWaitMin = options.ReconnectWait,
            ReconnectWaitMax = options.ReconnectWait,
            ReconnectJitter = options.ReconnectJitter,
            ConnectTimeout = options.ConnectTimeout,
            PingInterval = options.PingInterval,
            MaxPingOut = options.MaxPingsOutstanding,
            SubPendingChannelCapacity = options.SubscriptionCapacity,
            SubPendingChannelFullMode = options.SubscriptionFullMode,
            WriterBufferSize = options.WriterBufferSize,
            ReaderBufferSize = options.ReaderBufferSize,
            InboxPrefix = options.InboxPrefix,
            // Choria's reconnect buffer is enforced by PublishAsync; NATS.Net must not time out on its own.
            PublishTimeoutOnDisconnected = false,
            // Drops are counted and reported per subscription instead.
            SuppressSlowConsumerWarnings = true,
        };
    }

    /// <summary>Normalises NATS.Net's URL text to <c>nats://host:port</c> with any trailing host dot trimmed.</summary>
    internal static string NormaliseServerUrl(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
        {
            return UnknownServer;
        }

        var host = uri.Host.TrimEnd('.');
        var port = uri.Port > 0 ? uri.Port : 4222;
        return string.Create(CultureInfo.InvariantCulture, $"nats://{host}:{port}");
    }

    private async Task WaitForOpenedAsync(CancellationToken cancellationToken)
    {
        // NATS.Net raises ConnectionOpened from its event loop just after ConnectAsync returns; wait
        // briefly so ConnectedServerUrl is right as soon as the caller gets the connection.
        try
        {
            await _opened.Task.WaitAsync(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Still connected; the URL is filled in when the event arrives.
        }
    }

    private ValueTask OnOpenedAsync(object? sender, NatsEventArgs args)
    {
        var url = NormaliseServerUrl(args.Message);
        Volatile.Write(ref _connectedServerUrl, url);
        ConnectionStateChange change;
        if (Interlocked.Exchange(ref _hasConnected, 1) == 0)
        {
            change = ConnectionStateChange.Connected;
            LogConnected(_logger, _options.Name, url);
        }
        else
        {
            change = ConnectionStateChange.Reconnected;
            Interlocked.Increment(ref _reconnects);
            LogReconnected(_logger, _options.Name, url);
        }

        _opened.TrySetResult();
        StateChanged?.Invoke(this, new ConnectionStateChangedEventArgs(change, url, null));
        return ValueTask.CompletedTask;
    }

    private ValueTask OnDisconnectedAsync(object? sender, NatsEventArgs args)
    {
        Interlocked.Increment(ref _disconnects);
        var url = ConnectedServerUrl;
        LogDisconnected(_logger, _options.Name, url, args.Message);
        StateChanged?.Invoke(this, new ConnectionStateChangedEventArgs(ConnectionStateChange.Disconnected, url, args.Message));
        return ValueTask.CompletedTask;
    }

    private ValueTask OnMessageDroppedAsync(object? sender, NatsMessageDroppedEventArgs args)
    {
        Interlocked.Increment(ref _dropped);
        if (_subscriptions.TryGetValue(args.Subscription, out var sub))
        {
            // Log only the first drop of a subscription: a slow consumer can drop thousands per second.
            sub.CountDropped();
            if (sub.Dropped == 1)
            {
                LogFirstDrop(_logger, sub.Subject, sub.Capacity);
            }
        }

        return ValueTask.CompletedTask;
    }

    private static string Reason(Exception ex) =>
        ex.InnerException is { } inner && ex.Message != inner.Message ? $"{ex.Message}: {inner.Message}" : ex.Message;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Initial connection attempt {Attempt} to {Servers} failed: {Reason}")]
    private static partial void LogInitialConnectFailed(ILogger logger, long attempt, string servers, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publish to {Subject} buffered during a disconnection was lost: {Reason}")]
    private static partial void LogBufferedPublishFailed(ILogger logger, string subject, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "NATS connection {Name} connected to {Server}")]
    private static partial void LogConnected(ILogger logger, string name, string server);

    [LoggerMessage(Level = LogLevel.Warning, Message = "NATS connection {Name} reconnected to {Server}")]
    private static partial void LogReconnected(ILogger logger, string name, string server);

    [LoggerMessage(Level = LogLevel.Warning, Message = "NATS connection {Name} disconnected from {Server}: {Reason}")]
    private static partial void LogDisconnected(ILogger logger, string name, string server, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Subscription {Subject} is a slow consumer: buffer of {Capacity} messages full, dropping messages")]
    private static partial void LogFirstDrop(ILogger logger, string subject, int capacity);
}
