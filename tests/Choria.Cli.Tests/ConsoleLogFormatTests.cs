using Choria.Framework.Logging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Choria.Cli.Tests;

/// <summary>The stderr log line keeps the layout it had under the simple console formatter's single-line mode.</summary>
public sealed class ConsoleLogFormatTests
{
    private static string Format(string? timestampFormat, LogLevel level, string message, Exception? exception = null)
    {
        var formatter = new SingleLineConsoleFormatter(timestampFormat, new TestClock(new DateTimeOffset(2026, 12, 6, 9, 8, 7, TimeSpan.Zero)));
        using var writer = new StringWriter();
        formatter.Write(new LogEntry<string>(level, "Choria.Server", new EventId(42), message, exception, (s, _) => s), null, writer);
        return writer.ToString();
    }

    [Fact]
    public void A_line_has_time_level_category_event_and_message_on_one_line()
    {
        var line = Format("HH:mm:ss ", LogLevel.Warning, "first\nsecond");
        Assert.EndsWith(" warn: Choria.Server[42] first second" + Environment.NewLine, line, StringComparison.Ordinal);
        Assert.Matches(@"^\d\d:\d\d:\d\d warn: ", line);
    }

    [Theory]
    [InlineData(LogLevel.Debug, "dbug")]
    [InlineData(LogLevel.Information, "info")]
    [InlineData(LogLevel.Error, "fail")]
    [InlineData(LogLevel.Critical, "crit")]
    public void Levels_use_the_four_letter_names(LogLevel level, string name) =>
        Assert.Equal($"{name}: Choria.Server[42] text{Environment.NewLine}", Format(null, level, "text"));

    [Fact]
    public void An_exception_follows_the_message_on_the_same_line()
    {
        var line = Format(null, LogLevel.Error, "failed", new InvalidOperationException("boom"));
        Assert.StartsWith("fail: Choria.Server[42] failed System.InvalidOperationException: boom", line, StringComparison.Ordinal);
        Assert.Single(line.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
    }
}
