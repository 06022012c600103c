using Choria.Config;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

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
        return !debug && !string.IsNullOrEmpty(file)
            ? Create(level, new JsonFileLoggerProvider(file))
            : Create(level, Stderr("HH:mm:ss "));
    }

    /// <summary>Console-only factory for commands that run before any configuration is loaded.</summary>
    public static ILoggerFactory CreateConsole(bool debug) => Create(debug ? LogLevel.Debug : LogLevel.Warning, Stderr(null));

    // Built by hand rather than through LoggerFactory.Create: its service container cost ~18 ms of CPU per process
    // start (docs/performance.md), more than the whole request of a one-node `choria req`.
    private static LoggerFactory Create(LogLevel level, ILoggerProvider provider)
    {
        var filters = new LoggerFilterOptions { MinLevel = level };
        // NATS.Net is chatty at Information about every reconnect attempt; our connector logs those itself.
        filters.Rules.Add(new LoggerFilterRule(null, "NATS", LogLevel.Warning, null));
        var factory = new LoggerFactory([], filters);
        // Added rather than passed in: the factory then disposes it, and the console provider drains its queue.
        factory.AddProvider(provider);
        return factory;
    }

    private static DeferredLoggerProvider Stderr(string? timestampFormat) => new(() => new ConsoleLoggerProvider(
        new SingleLineConsoleFormatter.FixedOptions(new ConsoleLoggerOptions
        {
            FormatterName = SingleLineConsoleFormatter.FormatterName,
            LogToStandardErrorThreshold = LogLevel.Trace,
        }),
        [new SingleLineConsoleFormatter(timestampFormat, TimeProvider.System)]));
}
