using Choria.Config;
using Microsoft.Extensions.Logging;

namespace Choria.Framework.Logging;

/// <summary>Logging as Choria users expect it: <c>logfile</c> (JSON lines) or stderr, level from <c>loglevel</c>.</summary>
public static class ChoriaLogging
{
    public static LogLevel ParseLevel(string level) => level.ToLowerInvariant() switch
    {
        "debug" => LogLevel.Debug,
        "info" => LogLevel.Information,
        "warn" or "warning" => LogLevel.Warning,
        "error" => LogLevel.Error,
        "fatal" => LogLevel.Critical,
        _ => LogLevel.Information,
    };

    /// <param name="debug">The global <c>--debug</c> flag: debug level on stderr whatever the file says.</param>
    /// <param name="minimum">Commands whose output is the product (JSON, tables) pass Warning to keep logs out of the way.</param>
    public static ILoggerFactory CreateFactory(ChoriaConfig config, bool debug, LogLevel? minimum = null)
    {
        var level = debug ? LogLevel.Debug : minimum is { } m && m > ParseLevel(config.LogLevel) ? m : ParseLevel(config.LogLevel);
        var file = config.LogFile;
        return LoggerFactory.Create(builder =>
        {
            builder.SetMinimumLevel(level);
            // NATS.Net is chatty at Information about every reconnect attempt; our connector logs those itself.
            builder.AddFilter("NATS", LogLevel.Warning);
            if (!debug && !string.IsNullOrEmpty(file))
            {
                builder.AddProvider(new JsonFileLoggerProvider(file));
            }
            else
            {
                builder.AddSimpleConsole(o =>
                {
                    o.SingleLine = true;
                    o.TimestampFormat = "HH:mm:ss ";
                });
                builder.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
            }
        });
    }

    /// <summary>Console-only factory for commands that run before any configuration is loaded.</summary>
    public static ILoggerFactory CreateConsole(bool debug) => LoggerFactory.Create(builder =>
    {
        builder.SetMinimumLevel(debug ? LogLevel.Debug : LogLevel.Warning);
        builder.AddFilter("NATS", LogLevel.Warning);
        builder.AddSimpleConsole(o => o.SingleLine = true);
        builder.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
    });
}
