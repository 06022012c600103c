using System.Globalization;
using System.Text.RegularExpressions;

namespace Choria.Config.Settings;

/// <summary>Text → value rules shared by the loader and the typed getters (docs/configuration.md).</summary>
public static class ValueParser
{
    private static readonly string[] s_trueWords = ["1", "yes", "true", "y", "t"];
    private static readonly string[] s_falseWords = ["0", "no", "false", "n", "f"];

    /// <summary>Strict boolean: anything outside the two word lists is rejected.</summary>
    public static bool TryParseBool(string text, out bool value)
    {
        var t = text.Trim();
        if (s_trueWords.Any(w => string.Equals(w, t, StringComparison.OrdinalIgnoreCase)))
        {
            value = true;
            return true;
        }

        value = false;
        return s_falseWords.Any(w => string.Equals(w, t, StringComparison.OrdinalIgnoreCase));
    }

    public static bool TryParseInt(string text, out int value) =>
        int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);

    /// <summary>
    /// Bare digits are seconds; otherwise Go <c>time.ParseDuration</c> syntax; also a single number with
    /// <c>w</c>, <c>d</c>, <c>M</c> (30 days) or <c>y</c>/<c>Y</c> (365 days) as later go-choria accepts.
    /// </summary>
    public static bool TryParseDuration(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        var t = text.Trim();
        if (t.Length == 0)
        {
            return false;
        }

        if (t.All(char.IsAsciiDigit))
        {
            if (!long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var secs) || secs > TimeSpan.MaxValue.TotalSeconds)
            {
                return false;
            }

            value = TimeSpan.FromSeconds(secs);
            return true;
        }

        return TryParseLongSuffix(t, out value) || TryParseGoDuration(t, out value);
    }

    private static bool TryParseLongSuffix(string t, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        var days = t[^1] switch
        {
            'w' => 7,
            'd' => 1,
            'M' => 30,
            'y' or 'Y' => 365,
            _ => 0,
        };
        var number = t[..^1];
        if (days == 0 || number.Length == 0 || !number.All(char.IsAsciiDigit)
            || !int.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            || (double)n * days > TimeSpan.MaxValue.TotalDays)
        {
            return false;
        }

        value = TimeSpan.FromDays((double)n * days);
        return true;
    }

    private static bool TryParseGoDuration(string t, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        var negative = false;
        var i = 0;
        if (t[0] is '-' or '+')
        {
            negative = t[0] == '-';
            i = 1;
        }

        if (i == t.Length)
        {
            return false;
        }

        double totalTicks = 0;
        while (i < t.Length)
        {
            var start = i;
            while (i < t.Length && (char.IsAsciiDigit(t[i]) || t[i] == '.'))
            {
                i++;
            }

            if (start == i || !double.TryParse(t.AsSpan(start, i - start), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }

            var unitStart = i;
            while (i < t.Length && !char.IsAsciiDigit(t[i]) && t[i] != '.')
            {
                i++;
            }

            double? ticksPerUnit = t[unitStart..i] switch
            {
                "ns" => 0.01,
                "us" or "µs" or "μs" => TimeSpan.TicksPerMicrosecond,
                "ms" => TimeSpan.TicksPerMillisecond,
                "s" => TimeSpan.TicksPerSecond,
                "m" => TimeSpan.TicksPerMinute,
                "h" => TimeSpan.TicksPerHour,
                _ => null,
            };
            if (ticksPerUnit is null)
            {
                return false;
            }

            totalTicks += number * ticksPerUnit.Value;
        }

        if (totalTicks > TimeSpan.MaxValue.Ticks)
        {
            return false;
        }

        value = TimeSpan.FromTicks((long)(negative ? -totalTicks : totalTicks));
        return true;
    }

    /// <summary>Splits a list value according to its type; single-value types yield one item.</summary>
    public static IReadOnlyList<string> SplitList(SettingType type, string value) => type switch
    {
        SettingType.CommaList => [.. value.Split(',').Select(s => s.Trim())],
        SettingType.PathList => [.. value.Split(Path.PathSeparator).Select(s => s.Trim())],
        SettingType.ColonList => [.. value.Split(':').Select(s => s.Trim())],
        _ => [value.Trim()],
    };

    /// <summary>Replaces a leading <c>~</c> with <paramref name="home"/>.</summary>
    public static string ExpandHome(string path, string? home)
    {
        if (string.IsNullOrEmpty(home) || path.Length == 0 || path[0] != '~')
        {
            return path;
        }

        return path.Length == 1 ? home : path[1] is '/' or '\\' ? Path.Join(home, path[2..]) : path;
    }

    /// <summary>
    /// Parses and validates <paramref name="value"/> for <paramref name="def"/>. Returns the normalised
    /// scalar text (or list items) and <c>true</c>, or <c>false</c> when the value does not fit.
    /// </summary>
    public static bool TryNormalise(SettingDefinition def, string value, string? home, out string normalised, out IReadOnlyList<string> items)
    {
        normalised = value;
        items = [];
        switch (def.Type)
        {
            case SettingType.TitleString:
                normalised = value.Length == 0 ? value : char.ToUpperInvariant(value[0]) + value[1..];
                break;
            case SettingType.PathString:
                normalised = ExpandHome(value, home);
                break;
            case SettingType.Int:
                if (!TryParseInt(value, out var n) || !InRange(def, n))
                {
                    return false;
                }

                normalised = n.ToString(CultureInfo.InvariantCulture);
                break;
            case SettingType.Bool:
                if (!TryParseBool(value, out var b))
                {
                    return false;
                }

                normalised = b ? "true" : "false";
                break;
            case SettingType.Duration:
                if (!TryParseDuration(value, out var d) || !InRange(def, (long)d.TotalSeconds))
                {
                    return false;
                }

                break;
            case SettingType.Enum:
                if (def.AllowedValues is null || !def.AllowedValues.Contains(value, StringComparer.Ordinal))
                {
                    return false;
                }

                break;
            case SettingType.CommaList or SettingType.PathList or SettingType.ColonList or SettingType.List:
                items = SplitList(def.Type, value);
                if (items.Any(item => !MatchesPattern(def, item) || (def.ItemsAreRegex && !IsRegex(item))))
                {
                    return false;
                }

                return true;
        }

        return MatchesPattern(def, normalised);
    }

    private static bool InRange(SettingDefinition def, long n) =>
        (def.Min is null || n >= def.Min) && (def.Max is null || n <= def.Max);

    private static bool MatchesPattern(SettingDefinition def, string value) =>
        def.Pattern is null || Regex.IsMatch(value, def.Pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));

    private static bool IsRegex(string value)
    {
        try
        {
            _ = new Regex(value, RegexOptions.None, TimeSpan.FromSeconds(1));
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
