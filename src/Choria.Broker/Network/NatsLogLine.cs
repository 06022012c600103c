using Microsoft.Extensions.Logging;

namespace Choria.Broker.Network;

/// <summary>Parses nats-server's <c>[pid] [LVL] message</c> lines (logtime off) into a log level and text.</summary>
internal static class NatsLogLine
{
    public static (LogLevel Level, string Message) Parse(string line)
    {
        var rest = line.AsSpan().Trim();
        if (rest.StartsWith("[") && rest.IndexOf(']') is var close and > 0 && IsDigits(rest[1..close]))
        {
            rest = rest[(close + 1)..].TrimStart();
        }

        if (rest.Length >= 5 && rest[0] == '[' && rest[4] == ']')
        {
            LogLevel? level = rest[1..4] switch
            {
                "INF" => LogLevel.Information,
                "WRN" => LogLevel.Warning,
                "ERR" => LogLevel.Error,
                "FTL" => LogLevel.Critical,
                "DBG" => LogLevel.Debug,
                "TRC" => LogLevel.Trace,
                _ => null,
            };
            if (level is { } l)
            {
                return (l, rest[5..].TrimStart().ToString());
            }
        }

        // Untagged output (e.g. "nats-server: <config error>" from flag parsing) is usually fatal.
        return (LogLevel.Warning, rest.ToString());
    }

    private static bool IsDigits(ReadOnlySpan<char> s)
    {
        if (s.IsEmpty)
        {
            return false;
        }

        foreach (var c in s)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }
}
