using System.Globalization;
using System.Text;

namespace Choria.Cli.Commands.Tool;

/// <summary>Go's <c>time.Duration.String()</c> and <c>time.Time.String()</c>, which 2020 output shows verbatim.</summary>
internal static class GoFormat
{
    /// <summary><c>30m0s</c>, <c>1h0m0s</c>, <c>1.5s</c>, <c>250ms</c>, <c>0s</c>.</summary>
    public static string Duration(TimeSpan duration)
    {
        long nanos = duration.Ticks * 100;
        if (nanos == 0)
        {
            return "0s";
        }

        var sb = new StringBuilder();
        if (nanos < 0)
        {
            sb.Append('-');
            nanos = -nanos;
        }

        if (nanos < 1_000_000_000)
        {
            var (unit, scale) = nanos switch
            {
                < 1_000 => ("ns", 1L),
                < 1_000_000 => ("µs", 1_000L),
                _ => ("ms", 1_000_000L),
            };
            AppendFraction(sb, nanos, scale);
            return sb.Append(unit).ToString();
        }

        var hours = nanos / 3_600_000_000_000;
        var rest = nanos % 3_600_000_000_000;
        var minutes = rest / 60_000_000_000;
        rest %= 60_000_000_000;
        if (hours > 0)
        {
            sb.Append(hours.ToString(CultureInfo.InvariantCulture)).Append('h');
        }

        if (hours > 0 || minutes > 0)
        {
            sb.Append(minutes.ToString(CultureInfo.InvariantCulture)).Append('m');
        }

        AppendFraction(sb, rest, 1_000_000_000);
        return sb.Append('s').ToString();
    }

    /// <summary><c>2020-01-04 22:00:00 +0000 UTC</c> in the zone of <paramref name="time"/>.</summary>
    public static string Time(DateTimeOffset time, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTime(time, zone);
        var offset = local.Offset;
        var sign = offset < TimeSpan.Zero ? '-' : '+';
        var abs = offset.Duration();
        var numeric = string.Create(CultureInfo.InvariantCulture, $"{sign}{abs.Hours:00}{abs.Minutes:00}");
        var text = local.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        return $"{text} {numeric} {ZoneAbbreviation(zone, numeric)}";
    }

    // .NET has no tz abbreviations on Linux (only long names); Go itself prints the numeric offset when a zone
    // has no abbreviation, so that is the faithful fallback.
    private static string ZoneAbbreviation(TimeZoneInfo zone, string numeric) =>
        zone.Id is "UTC" or "Etc/UTC" or "Etc/UCT" or "Universal" or "Zulu" || zone == TimeZoneInfo.Utc ? "UTC" : numeric;

    private static void AppendFraction(StringBuilder sb, long value, long scale)
    {
        sb.Append((value / scale).ToString(CultureInfo.InvariantCulture));
        var fraction = value % scale;
        if (fraction == 0)
        {
            return;
        }

        var digits = fraction.ToString(CultureInfo.InvariantCulture).PadLeft((int)Math.Log10(scale), '0').TrimEnd('0');
        sb.Append('.').Append(digits);
    }
}
