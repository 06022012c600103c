using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Choria.Broker.Network;
using Choria.Config.Build;
using Choria.Framework.Hosting;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace Choria.Broker.Stats;

/// <summary>
/// Choria's public statistics port (docs/broker.md): <c>/choria/</c>, <c>/choria/prometheus</c>,
/// and, when the network broker runs, a reverse proxy to nats-server's loopback monitor.
/// </summary>
internal sealed partial class ChoriaStatsServer : IChoriaComponent, IDisposable
{
    private static readonly HashSet<string> s_natsPaths = new(StringComparer.Ordinal)
    {
        "/", "/varz", "/connz", "/routez", "/gatewayz", "/leafz", "/subsz", "/accountz", "/jsz", "/healthz", "/stacksz",
    };

    private readonly StatsServerOptions _options;
    private readonly NatsServerSupervisor? _network;
    private readonly ILogger _logger;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly HttpListener _listener = new();
    private readonly NetworkMetrics? _networkMetrics;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _loops = [];

    public ChoriaStatsServer(StatsServerOptions options, NatsServerSupervisor? network, ILogger<ChoriaStatsServer> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.Port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.Port, 65535);
        _options = options;
        _network = network;
        _logger = logger;
        Registry = Metrics.NewCustomRegistry();
        DotNetStats.Register(Registry);
        var factory = Metrics.WithCustomRegistry(Registry);
        var build = BuildSettings.Current;
        factory.CreateCounter("choria_build_info", "Build information", ["version", "sha", "identity"])
            .WithLabels(build.Version, build.Sha, options.Identity).IncTo(1);
        if (network is not null)
        {
            _networkMetrics = new NetworkMetrics(Registry, options.Identity);
            var restarts = factory.CreateCounter("choria_broker_supervisor_restarts_total", "Times nats-server was restarted after dying", ["identity"])
                .WithLabels(options.Identity);
            Registry.AddBeforeCollectCallback(() => restarts.IncTo(network.Restarts));
        }
    }

    public string Name => "stats";

    /// <summary>The registry other components add their metrics to.</summary>
    public CollectorRegistry Registry { get; }

    /// <summary>Public base URI (loopback form when bound to a wildcard).</summary>
    public Uri BaseUri => new($"http://{NatsServerSupervisor.ClientConnectHost(_options.Address)}:{_options.Port}/");

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _listener.Prefixes.Add(Prefix(_options.Address, _options.Port));
        try
        {
            _listener.Start();
        }
        catch (HttpListenerException ex)
        {
            throw new BrokerStartException($"cannot listen for statistics on {_options.Address}:{_options.Port}: {ex.Message}", ex);
        }

        LogListening(_logger, _options.Address, _options.Port);
        _loops.Add(Task.Run(() => AcceptLoopAsync(_stopping.Token), CancellationToken.None));
        if (_networkMetrics is not null)
        {
            _loops.Add(Task.Run(() => PollLoopAsync(_stopping.Token), CancellationToken.None));
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync();
        _listener.Stop();
        await Task.WhenAll(_loops).WaitAsync(cancellationToken);
    }

    public void Dispose()
    {
        try
        {
            _listener.Close();
        }
        catch (HttpListenerException ex)
        {
            // The managed listener rethrows its failed bind on Close; the start error was already reported.
            LogRequestFailed(_logger, ex.Message);
        }

        _http.Dispose();
        _stopping.Dispose();
    }

    /// <summary>Polls /varz once; exposed so tests need not wait for the interval.</summary>
    internal Task PollOnceAsync(CancellationToken cancellationToken) =>
        _networkMetrics is null || _network is null
            ? Task.CompletedTask
            : _networkMetrics.PollAsync(_http, _network.MonitorUri, cancellationToken);

    private static string Prefix(string address, int port) => address switch
    {
        "0.0.0.0" or "::" or "" or "*" => $"http://+:{port}/",
        _ when IPAddress.TryParse(address, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 => $"http://[{address}]:{port}/",
        _ => $"http://{address}:{port}/",
    };

    private async Task PollLoopAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(_options.PollInterval);
        do
        {
            try
            {
                if (_network!.IsReady)
                {
                    await PollOnceAsync(stopping);
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or JsonException or InvalidDataException or TaskCanceledException && !stopping.IsCancellationRequested)
            {
                LogPollFailed(_logger, ex.Message);
            }
        }
        while (await WaitTick(timer, stopping));
    }

    private static async Task<bool> WaitTick(PeriodicTimer timer, CancellationToken stopping)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stopping);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task AcceptLoopAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => HandleAsync(context, stopping), CancellationToken.None);
        }
    }

    private async Task HandleAsync(HttpListenerContext context, CancellationToken stopping)
    {
        var response = context.Response;
        try
        {
            var path = context.Request.Url?.AbsolutePath ?? "/";
            if (path is "/choria/prometheus" or "/choria/metrics")
            {
                response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
                await Registry.CollectAndExportAsTextAsync(response.OutputStream, stopping);
            }
            else if (path is "/choria/" or "/choria")
            {
                response.ContentType = "application/json";
                await JsonSerializer.SerializeAsync(response.OutputStream, Status(), StatsJsonContext.Default.ChoriaStatus, stopping);
            }
            else if (_network is not null && s_natsPaths.Contains(path))
            {
                await ProxyAsync(context, path, stopping);
            }
            else
            {
                response.StatusCode = 404;
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or HttpListenerException or IOException or OperationCanceledException)
        {
            LogRequestFailed(_logger, ex.Message);
            TrySetStatus(response, 502);
        }
        finally
        {
            try
            {
                response.Close();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                LogRequestFailed(_logger, ex.Message);
            }
        }
    }

    private async Task ProxyAsync(HttpListenerContext context, string path, CancellationToken stopping)
    {
        var target = new Uri(_network!.MonitorUri, path.TrimStart('/') + context.Request.Url?.Query);
        using var upstream = await _http.GetAsync(target, HttpCompletionOption.ResponseHeadersRead, stopping);
        context.Response.StatusCode = (int)upstream.StatusCode;
        context.Response.ContentType = upstream.Content.Headers.ContentType?.ToString();
        await upstream.Content.CopyToAsync(context.Response.OutputStream, stopping);
    }

    private ChoriaStatus Status()
    {
        var build = BuildSettings.Current;
        using var self = Process.GetCurrentProcess();
        var wall = TimeProvider.System.GetLocalNow().DateTime - self.StartTime;
        var cpu = wall.TotalMilliseconds > 0
            ? self.TotalProcessorTime.TotalMilliseconds / wall.TotalMilliseconds / Environment.ProcessorCount * 100
            : 0;
        return new ChoriaStatus(
            new BuildStatus(build.Version, build.Sha, build.BuildDate, build.License, build.TlsEnabled, build.SecureEnabled,
                ".NET " + Environment.Version.ToString(), build.MaxBrokerClients),
            new SystemStatus(self.WorkingSet64, Math.Round(cpu, 2), Environment.ProcessorCount),
            _options.ConfigFile,
            _options.Identity);
    }

    private static void TrySetStatus(HttpListenerResponse response, int status)
    {
        try
        {
            response.StatusCode = status;
        }
        catch (InvalidOperationException)
        {
            // Headers already sent; the truncated body tells the client enough.
        }
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "Statistics listening on {Address}:{Port}")]
    private static partial void LogListening(ILogger logger, string address, int port);

    [LoggerMessage(EventId = 21, Level = LogLevel.Warning, Message = "Polling nats-server statistics failed: {Reason}")]
    private static partial void LogPollFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 22, Level = LogLevel.Debug, Message = "Statistics request failed: {Reason}")]
    private static partial void LogRequestFailed(ILogger logger, string reason);
}
