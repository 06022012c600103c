using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Choria.Framework.Logging;

/// <summary>
/// The console line Choria's stderr log has always had (the simple console formatter's single-line layout):
/// <c>HH:mm:ss info: Category[EventId] message</c>, the exception on the same line. It exists so the console
/// provider can be built without a dependency injection container, whose start-up cost was a sixth of a one-node
/// <c>choria req</c> (docs/performance.md).
/// </summary>
internal sealed class SingleLineConsoleFormatter(string? timestampFormat, TimeProvider clock) : ConsoleFormatter(FormatterName)
{
    public const string FormatterName = "choria";

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        if (message is null && logEntry.Exception is null)
        {
            return;
        }

        if (timestampFormat is not null)
        {
            textWriter.Write(clock.GetLocalNow().ToString(timestampFormat, System.Globalization.CultureInfo.InvariantCulture));
        }

        textWriter.Write(Level(logEntry.LogLevel));
        textWriter.Write(": ");
        textWriter.Write(logEntry.Category);
        textWriter.Write('[');
        textWriter.Write(logEntry.EventId.Id);
        textWriter.Write("] ");
        textWriter.Write(OneLine(message));
        if (logEntry.Exception is { } e)
        {
            textWriter.Write(' ');
            textWriter.Write(OneLine(e.ToString()));
        }

        textWriter.Write(Environment.NewLine);
    }

    private static string OneLine(string? text) =>
        string.IsNullOrEmpty(text) ? "" : text.Replace(Environment.NewLine, " ", StringComparison.Ordinal).Replace('\n', ' ');

    private static string Level(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        LogLevel.Critical => "crit",
        _ => level.ToString().ToLowerInvariant(),
    };

    /// <summary>Console options that never change: the provider only reads <see cref="CurrentValue"/>.</summary>
    internal sealed class FixedOptions(ConsoleLoggerOptions value) : IOptionsMonitor<ConsoleLoggerOptions>
    {
        public ConsoleLoggerOptions CurrentValue => value;

        public ConsoleLoggerOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<ConsoleLoggerOptions, string?> listener) => null;
    }
}
