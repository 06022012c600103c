using System.Collections.Concurrent;
using DnsClient;
using DnsSrvAnswer = DnsClient.Protocol.SrvRecord;
using Microsoft.Extensions.Logging;

namespace Choria.Connector;

/// <summary>
/// <see cref="ISrvResolver"/> over the system's DNS servers (DnsClient). Answers are cached per
/// query name for 5 seconds, like Choria's srvcache, so bursts of reconnects do not flood DNS.
/// </summary>
public sealed partial class DnsSrvResolver : ISrvResolver
{
    private static readonly TimeSpan s_cacheTtl = TimeSpan.FromSeconds(5);

    // Built on the first SRV query: its constructor enumerates the network interfaces and reads resolv.conf, a few
    // milliseconds a client command with configured brokers (no SRV) would pay for nothing.
    private readonly Lazy<ILookupClient> _lookup;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, (DateTimeOffset Expires, IReadOnlyList<SrvRecord> Records)> _cache = new(StringComparer.OrdinalIgnoreCase);

    public DnsSrvResolver(ILogger logger, ILookupClient? lookup = null, TimeProvider? time = null)
    {
        _logger = logger;
        _lookup = lookup is null
            ? new Lazy<ILookupClient>(() => new LookupClient(new LookupClientOptions { UseCache = false, Timeout = TimeSpan.FromSeconds(2), Retries = 1 }))
            : new Lazy<ILookupClient>(lookup);
        _time = time ?? TimeProvider.System;
    }

    public async ValueTask<IReadOnlyList<SrvRecord>> ResolveAsync(string name, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (_cache.TryGetValue(name, out var hit) && hit.Expires > now)
        {
            return hit.Records;
        }

        IReadOnlyList<SrvRecord> records;
        try
        {
            var response = await _lookup.Value.QueryAsync(name, QueryType.SRV, QueryClass.IN, cancellationToken).ConfigureAwait(false);
            if (response.HasError)
            {
                LogLookupFailed(_logger, name, response.ErrorMessage);
                records = [];
            }
            else
            {
                records = SrvOrdering.Order(response.Answers.OfType<DnsSrvAnswer>()
                    .Select(r => new SrvRecord(r.Target.Value.TrimEnd('.'), r.Port, r.Priority, r.Weight)));
            }
        }
        catch (Exception ex) when (ex is DnsResponseException or System.Net.Sockets.SocketException or TimeoutException)
        {
            LogLookupFailed(_logger, name, ex.Message);
            records = [];
        }

        _cache[name] = (now + s_cacheTtl, records);
        return records;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "SRV lookup of {Name} failed: {Reason}")]
    private static partial void LogLookupFailed(ILogger logger, string name, string reason);
}
