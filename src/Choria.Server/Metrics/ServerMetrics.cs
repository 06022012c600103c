using Choria.Server.Agents;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using Choria.Config;
using Choria.Config.Build;
using Choria.Connector;
using Choria.Server.Registration;
using Choria.Server.Runtime;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace Choria.Server.Metrics;

/// <summary>Metrics settings; the HTTP listener runs only when <see cref="StatsPort"/> &gt; 0.</summary>
internal sealed record ServerMetricsOptions
{
    public required string Identity { get; init; }

    public int StatsPort { get; init; }

    public string StatsAddress { get; init; } = "127.0.0.1";

    public string? ConfigFile { get; init; }

    public static ServerMetricsOptions FromConfig(ChoriaConfig config) => new()
    {
        Identity = config.Identity,
        StatsPort = config.StatsPort,
        StatsAddress = config.StatsAddress,
        ConfigFile = config.ConfigFile,
    };
}

/// <summary>
/// The server's Prometheus metrics (docs/server.md). Counters are copied from <see cref="ServerCounters"/> and the
/// connection just before each scrape, so the request pipeline pays nothing for them. Serving them over HTTP is a
/// C# extension of 2020, whose standalone server never listened.
/// </summary>
internal sealed class ServerMetrics : IActionObserver, IAsyncDisposable
{
    private static readonly string[] s_statusNames = ["ok", "aborted", "unknown_action", "missing_data", "invalid_data", "unknown_error"];

    private readonly ServerMetricsOptions _options;
    private readonly ServerCounters _counters;
    private readonly Func<ChoriaConnection?> _connection;
    private readonly CollectorRegistry _registry;
    private readonly BuildSettings _build;
    private readonly ILogger _logger;
    private readonly TimeProvider _clock;
    private readonly DateTimeOffset _started;
    private readonly (Counter.Child Metric, Func<ServerCounters, long> Value)[] _serverCounters;
    private readonly Counter _dropped;
    private readonly Counter _writeFailures;
    private readonly Counter _registrationFailures;
    private readonly Counter _initialAttempts;
    private readonly Counter _reconnections;
    private readonly Counter _disconnections;
    private readonly Histogram _actionDuration;
    private PrometheusHttpEndpoint? _endpoint;

    /// <param name="connection">The current broker connection, or null before the first connect.</param>
    public ServerMetrics(ServerMetricsOptions options, ServerCounters counters, Func<ChoriaConnection?> connection, CollectorRegistry registry, BuildSettings build, ILogger logger, TimeProvider? clock = null)
    {
        _clock = clock ?? TimeProvider.System;
        _started = _clock.GetUtcNow();
        _options = options;
        _counters = counters;
        _connection = connection;
        _registry = registry;
        _build = build;
        _logger = logger;

        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        Counter.Child ServerCounter(string name, string help) => factory.CreateCounter(name, help, ["identity"]).WithLabels(options.Identity);
        _serverCounters =
        [
            (ServerCounter("choria_server_total", "Total messages received from the network"), c => c.Total),
            (ServerCounter("choria_server_validated", "Messages that were validated and dispatched"), c => c.Validated),
            (ServerCounter("choria_server_unvalidated", "Messages that failed decoding, security or message creation"), c => c.Unvalidated),
            (ServerCounter("choria_server_passed", "Messages whose filter matched this node"), c => c.Passed),
            (ServerCounter("choria_server_filtered", "Messages whose filter did not match this node"), c => c.Filtered),
            (ServerCounter("choria_server_replies", "Replies published"), c => c.Replies),
            (ServerCounter("choria_server_ttlexpired", "Messages dropped because their TTL expired"), c => c.TtlExpired),
            (ServerCounter("choria_server_events", "Lifecycle events published"), c => c.Events),
        ];
        _dropped = factory.CreateCounter("choria_server_dropped_total", "Received messages that did not run an agent, by reason", ["identity", "reason"]);
        _writeFailures = factory.CreateCounter("choria_server_write_failures_total", "Failed writes of the status file or audit log (disk full, read-only, missing directory), by file", ["identity", "file"]);
        _registrationFailures = factory.CreateCounter("choria_server_registration_failures_total", "Registration ticks that published nothing (data file missing, empty or unreadable, not connected, publish failed), by reason", ["identity", "reason"]);
        _initialAttempts = factory.CreateCounter("choria_connector_initial_connection_attempts", "Initial connection attempts");
        _reconnections = factory.CreateCounter("choria_connector_reconnections", "Reconnections after a disconnection");
        _disconnections = factory.CreateCounter("choria_connector_disconnections", "Disconnections from the broker");
        _actionDuration = factory.CreateHistogram(
            "choria_server_agent_action_duration_seconds",
            "Time taken by agent actions",
            ["identity", "agent", "action", "status"],
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.001, 2, 16) });
        factory.CreateCounter("choria_build_info", "Choria build information", ["version", "sha"]).WithLabels(build.Version, build.Sha).IncTo(1);
        registry.AddBeforeCollectCallback(Refresh);
    }

    /// <summary>Records one agent action run; <paramref name="statusCode"/> is the mcorpc status code.</summary>
    public void ObserveAction(string agent, string action, int statusCode, double seconds)
    {
        var status = statusCode >= 0 && statusCode < s_statusNames.Length ? s_statusNames[statusCode] : "unknown_error";
        _actionDuration.WithLabels(_options.Identity, agent, action, status).Observe(seconds);
    }

    /// <summary>Starts the HTTP listener when <c>plugin.choria.stats_port</c> is set.</summary>
    /// <exception cref="System.Net.HttpListenerException">The port cannot be bound.</exception>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_options.StatsPort <= 0 || _endpoint is not null)
        {
            return;
        }

        var endpoint = new PrometheusHttpEndpoint(
            new PrometheusEndpointOptions { Address = _options.StatsAddress, Port = _options.StatsPort },
            _registry,
            StatusJson,
            _logger);
        await endpoint.StartAsync(cancellationToken);
        _endpoint = endpoint;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_endpoint is { } endpoint)
        {
            _endpoint = null;
            await endpoint.StopAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None);

    /// <summary>The <c>/choria/</c> document.</summary>
    public byte[] StatusJson()
    {
        using var process = Process.GetCurrentProcess();
        var elapsed = (_clock.GetUtcNow() - _started).TotalSeconds;
        var cpu = elapsed > 0 ? process.TotalProcessorTime.TotalSeconds / elapsed / Environment.ProcessorCount * 100 : 0;
        var doc = new StatsDocument
        {
            Build = new StatsBuild
            {
                Version = _build.Version,
                Sha = _build.Sha,
                BuildDate = _build.BuildDate,
                License = _build.License,
                Tls = _build.Tls,
                Secure = _build.Secure,
                Go = $".NET {Environment.Version}",
                MaxBrokerClients = _build.MaxBrokerClients,
            },
            System = new StatsSystem { Rss = process.WorkingSet64, CpuPercent = cpu, CpuCores = Environment.ProcessorCount },
            ConfigFile = _options.ConfigFile ?? "",
            Identity = _options.Identity,
        };
        return JsonSerializer.SerializeToUtf8Bytes(doc, MetricsJsonContext.Default.StatsDocument);
    }

    private void Refresh()
    {
        foreach (var (metric, value) in _serverCounters)
        {
            metric.IncTo(value(_counters));
        }

        foreach (var reason in Enum.GetValues<DropReason>())
        {
            _dropped.WithLabels(_options.Identity, ReasonLabel(reason)).IncTo(_counters.Dropped(reason));
        }

        _writeFailures.WithLabels(_options.Identity, "status_file").IncTo(_counters.WriteFailures(WriteTarget.StatusFile));
        _writeFailures.WithLabels(_options.Identity, "audit_log").IncTo(_counters.WriteFailures(WriteTarget.AuditLog));
        foreach (var failure in Enum.GetValues<RegistrationFailure>())
        {
            _registrationFailures.WithLabels(_options.Identity, SnakeCase(failure.ToString())).IncTo(_counters.RegistrationFailures(failure));
        }

        if (_connection() is { } connection)
        {
            _initialAttempts.IncTo(connection.InitialConnectAttempts);
            _reconnections.IncTo(connection.Reconnects);
            _disconnections.IncTo(connection.Disconnects);
        }
    }

    /// <summary>snake_case of the enum name, e.g. <c>ttl_expired</c>.</summary>
    internal static string ReasonLabel(DropReason reason) => SnakeCase(reason.ToString());

    private static string SnakeCase(string name)
    {
        var chars = new System.Text.StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                chars.Append('_');
            }

            chars.Append(char.ToLowerInvariant(name[i]));
        }

        return chars.ToString();
    }
}

internal sealed record StatsDocument
{
    [JsonPropertyName("build")]
    public StatsBuild Build { get; init; } = new();

    [JsonPropertyName("system")]
    public StatsSystem System { get; init; } = new();

    [JsonPropertyName("config_file")]
    public string ConfigFile { get; init; } = "";

    [JsonPropertyName("identity")]
    public string Identity { get; init; } = "";
}

internal sealed record StatsBuild
{
    [JsonPropertyName("version")]
    public string Version { get; init; } = "";

    [JsonPropertyName("sha")]
    public string Sha { get; init; } = "";

    [JsonPropertyName("build_date")]
    public string BuildDate { get; init; } = "";

    [JsonPropertyName("license")]
    public string License { get; init; } = "";

    [JsonPropertyName("tls")]
    public string Tls { get; init; } = "";

    [JsonPropertyName("secure")]
    public string Secure { get; init; } = "";

    /// <summary>Named <c>go</c> for 2020 consumers; holds the .NET runtime version.</summary>
    [JsonPropertyName("go")]
    public string Go { get; init; } = "";

    [JsonPropertyName("max_broker_clients")]
    public int MaxBrokerClients { get; init; }
}

internal sealed record StatsSystem
{
    [JsonPropertyName("rss")]
    public long Rss { get; init; }

    [JsonPropertyName("cpu_percent")]
    public double CpuPercent { get; init; }

    [JsonPropertyName("cpu_cores")]
    public int CpuCores { get; init; }
}

[JsonSerializable(typeof(StatsDocument))]
internal sealed partial class MetricsJsonContext : JsonSerializerContext;
