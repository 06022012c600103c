using System.Text;
using Choria.Connector;
using Choria.Framework.Hosting;
using Choria.Protocol.Messages;
using Choria.Protocol.Subjects;
using Choria.Security;
using Choria.Server.Runtime;
using Microsoft.Extensions.Logging;

namespace Choria.Server.Registration;

/// <summary>A registration item wrapped as a signed Choria request, ready for NATS.</summary>
internal sealed record RegistrationMessage(string Subject, byte[] Transport, Request Request);

/// <summary>
/// Polls the file_content plugin on the registration schedule and publishes each item as a signed request to the
/// registration agent (docs/server.md). Publishing is skipped while disconnected rather than buffered.
/// </summary>
internal sealed partial class RegistrationPublisher : IAsyncDisposable
{
    public const string Agent = "registration";

    private readonly RegistrationOptions _options;
    private readonly ChoriaConnection _connection;
    private readonly ISecurityProvider _security;
    private readonly string _identity;
    private readonly ILogger _logger;
    private readonly TimeProvider _clock;
    private readonly FileContentRegistration? _plugin;
    private readonly ServerCounters? _counters;
    private readonly BackgroundLoop _loop = new();

    /// <param name="counters">Where failed ticks are counted (<c>choria_server_registration_failures_total</c>).</param>
    public RegistrationPublisher(RegistrationOptions options, ChoriaConnection connection, ISecurityProvider security, string identity, ILogger logger, TimeProvider? clock = null, ServerCounters? counters = null)
    {
        _options = options;
        _connection = connection;
        _security = security;
        _identity = identity;
        _logger = logger;
        _clock = clock ?? TimeProvider.System;
        _plugin = options.FileContent is { } fc ? new FileContentRegistration(fc) : null;
        _counters = counters;
    }

    /// <summary>Starts the background schedule; does nothing when registration is not configured.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_plugin is null || _loop.Running)
        {
            return Task.CompletedTask;
        }

        _loop.Start(RunAsync);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => _loop.StopAsync(cancellationToken);

    public ValueTask DisposeAsync() => _loop.DisposeAsync();

    /// <summary>One poll and publish, as done on every tick: null when published, else why not (counted, then logged).</summary>
    public async Task<RegistrationFailure?> PublishOnceAsync(CancellationToken cancellationToken)
    {
        if (_plugin is null)
        {
            return null;
        }

        var poll = _plugin.Poll();
        if (poll.Item is not { } item)
        {
            Count(poll.Failure!.Value);
            LogPollFailed(_logger, poll.Reason!);
            return poll.Failure;
        }

        if (item.Data.Length == 0)
        {
            Count(RegistrationFailure.EmptyData);
            LogEmptyData(_logger);
            return RegistrationFailure.EmptyData;
        }

        if (!_connection.IsConnected)
        {
            Count(RegistrationFailure.NotConnected);
            LogNotConnected(_logger);
            return RegistrationFailure.NotConnected;
        }

        if (!TryBuildMessage(item, out var message, out var reason))
        {
            Count(RegistrationFailure.MessageFailed);
            LogMessageFailed(_logger, reason!);
            return RegistrationFailure.MessageFailed;
        }

        var result = await _connection.PublishAsync(message!.Subject, message.Transport, cancellationToken: cancellationToken);
        if (result != PublishResult.Published)
        {
            Count(RegistrationFailure.PublishFailed);
            LogPublishFailed(_logger, result.ToString());
            return RegistrationFailure.PublishFailed;
        }

        LogPublished(_logger, message.Subject, item.Data.Length);
        return null;
    }

    private void Count(RegistrationFailure failure) => _counters?.RegistrationFailed(failure);

    /// <summary>Wraps <paramref name="item"/> as transport → secure request → request whose message is the item JSON.</summary>
    public bool TryBuildMessage(RegistrationItem item, out RegistrationMessage? message, out string? reason)
    {
        message = null;
        if (_options.Collectives.Count > 0 && !_options.Collectives.Contains(_options.Collective, StringComparer.Ordinal))
        {
            reason = $"Cannot create a registration message: collective {_options.Collective} is not one of the configured collectives";
            return false;
        }

        try
        {
            var request = Request.Create(
                new RequestSpec
                {
                    Agent = Agent,
                    Collective = _options.Collective,
                    CallerId = _security.CallerId,
                    SenderId = _identity,
                    Message = Encoding.UTF8.GetString(item.Data),
                    Ttl = _options.Ttl,
                },
                _clock);
            var requestJson = request.ToJson();
            var signature = _security.SignToBase64(Encoding.UTF8.GetBytes(requestJson));
            var secure = SecureRequest.Create(requestJson, signature, _security.PublicCertPem);
            var transport = TransportMessage.Create(secure.ToUtf8Bytes(), new TransportHeaders { ReplyTo = ChoriaSubjects.DevNull, McSender = _identity });
            var subject = item.Target.Length > 0 ? item.Target : ChoriaSubjects.Registration(_options.Collective);
            message = new RegistrationMessage(subject, transport.ToUtf8Bytes(), request);
            reason = null;
            return true;
        }
        catch (Exception e) when (e is ArgumentException or SecurityConfigurationException)
        {
            reason = $"Cannot create a registration message: {e.Message}";
            return false;
        }
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (_options.Splay)
            {
                var splay = TimeSpan.FromSeconds(Random.Shared.Next(0, (int)Math.Max(1, _options.Interval.TotalSeconds)));
                LogSplay(_logger, splay.TotalSeconds);
                await Task.Delay(splay, _clock, cancellationToken);
            }

            // 2020 meant 1-4 seconds but slept nanoseconds; seconds spread a fleet restart as intended.
            await Task.Delay(TimeSpan.FromSeconds(Random.Shared.Next(1, 5)), _clock, cancellationToken);
            using var timer = new PeriodicTimer(_options.Interval, _clock);
            do
            {
                try
                {
                    await PublishOnceAsync(cancellationToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    Count(RegistrationFailure.PublishFailed);
                    LogPublishFailed(_logger, e.Message);
                }
            }
            while (await timer.WaitForNextTickAsync(cancellationToken));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Reason}")]
    private static partial void LogPollFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Skipping registration publish while not connected to the network")]
    private static partial void LogNotConnected(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Received nil or empty data from the registration plugin, skipping")]
    private static partial void LogEmptyData(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Reason}")]
    private static partial void LogMessageFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not publish registration data: {Reason}")]
    private static partial void LogPublishFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Published {Bytes} bytes of registration data to {Subject}")]
    private static partial void LogPublished(ILogger logger, string subject, int bytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sleeping {Seconds} seconds before first registration poll")]
    private static partial void LogSplay(ILogger logger, double seconds);
}
