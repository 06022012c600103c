using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace Choria.Server.Metrics;

/// <summary>
/// The server's stats HTTP listener (docs/server.md): <c>GET /choria/prometheus</c> (and the
/// modern alias <c>/choria/metrics</c>) expose <see cref="CollectorRegistry"/> in Prometheus text format,
/// <c>GET /choria/</c> the JSON document from the supplied callback; everything else is 404.
/// </summary>
public sealed partial class PrometheusHttpEndpoint : IAsyncDisposable
{
    private readonly PrometheusEndpointOptions _options;
    private readonly CollectorRegistry _registry;
    private readonly Func<byte[]> _json;
    private readonly ILogger _logger;
    private HttpListener? _listener;
    private Task _loop = Task.CompletedTask;

    public PrometheusHttpEndpoint(PrometheusEndpointOptions options, CollectorRegistry registry, Func<byte[]> json, ILogger logger)
    {
        _options = options;
        _registry = registry;
        _json = json;
        _logger = logger;
    }

    /// <summary>The prefix actually served, e.g. <c>http://127.0.0.1:8222/</c>.</summary>
    public string Prefix => string.Create(CultureInfo.InvariantCulture, $"http://{HostPart(_options.Address)}:{_options.Port}/");

    /// <exception cref="HttpListenerException">The address/port cannot be bound.</exception>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_listener is not null)
        {
            return Task.CompletedTask;
        }

        var listener = new HttpListener();
        listener.Prefixes.Add(Prefix);
        listener.Start();
        _listener = listener;
        _loop = Task.Run(() => AcceptLoopAsync(listener), CancellationToken.None);
        LogListening(_logger, Prefix);
        return Task.CompletedTask;
    }

    /// <summary>Stops accepting; in-flight responses are finished by their handlers.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_listener is not { } listener)
        {
            return;
        }

        _listener = null;
        listener.Stop();
        listener.Close();
        await _loop.WaitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None);

    private static string HostPart(string address) => address switch
    {
        "" or "0.0.0.0" or "::" or "*" or "+" => "*",
        _ when address.Contains(':', StringComparison.Ordinal) && !address.StartsWith('[') => $"[{address}]",
        _ => address,
    };

    private async Task AcceptLoopAsync(HttpListener listener)
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                // Stop() aborts the pending accept; that is the normal way out.
                break;
            }

            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var response = context.Response;
        try
        {
            var path = context.Request.Url?.AbsolutePath ?? "";
            if (context.Request.HttpMethod is not ("GET" or "HEAD"))
            {
                response.StatusCode = 405;
            }
            else if (path is "/choria/prometheus" or "/choria/metrics")
            {
                response.StatusCode = 200;
                response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
                using var buffer = new MemoryStream();
                await _registry.CollectAndExportAsTextAsync(buffer, CancellationToken.None);
                response.ContentLength64 = buffer.Length;
                buffer.Position = 0;
                await buffer.CopyToAsync(response.OutputStream);
            }
            else if (path == "/choria/")
            {
                var body = _json();
                response.StatusCode = 200;
                response.ContentType = "application/json";
                response.ContentLength64 = body.Length;
                await response.OutputStream.WriteAsync(body);
            }
            else
            {
                response.StatusCode = 404;
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogRequestFailed(_logger, e.Message);
            TrySet500(response);
        }
        finally
        {
            try
            {
                response.Close();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                // Client went away; nothing left to tell it.
            }
        }
    }

    private static void TrySet500(HttpListenerResponse response)
    {
        try
        {
            response.StatusCode = 500;
        }
        catch (InvalidOperationException)
        {
            // Headers already sent.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Serving statistics on {Prefix}choria/")]
    private static partial void LogListening(ILogger logger, string prefix);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Statistics request failed: {Reason}")]
    private static partial void LogRequestFailed(ILogger logger, string reason);
}
