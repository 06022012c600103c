using System.Globalization;
using System.Text;

namespace Choria.Cli.Rendering;

/// <summary>Small formatting helpers shared by the renderers.</summary>
internal static class TextFormat
{
    /// <summary>Go's <c>time.Duration.String()</c>, e.g. <c>2.013573s</c>, <c>12.5ms</c>, <c>1m2.5s</c>.</summary>
    public static string GoDuration(TimeSpan d)
    {
        if (d == TimeSpan.Zero)
        {
            return "0s";
        }

        var ticks = d.Ticks;
        var sign = ticks < 0 ? "-" : "";
        ticks = Math.Abs(ticks);
        if (ticks < TimeSpan.TicksPerMillisecond)
        {
            return sign + (ticks / 10.0).ToString("0.###", CultureInfo.InvariantCulture) + "µs";
        }

        if (ticks < TimeSpan.TicksPerSecond)
        {
            return sign + (ticks / (double)TimeSpan.TicksPerMillisecond).ToString("0.####", CultureInfo.InvariantCulture) + "ms";
        }

        var sb = new StringBuilder(sign);
        var hours = ticks / TimeSpan.TicksPerHour;
        var minutes = ticks % TimeSpan.TicksPerHour / TimeSpan.TicksPerMinute;
        var seconds = ticks % TimeSpan.TicksPerMinute / (double)TimeSpan.TicksPerSecond;
        if (hours > 0)
        {
            sb.Append(hours.ToString(CultureInfo.InvariantCulture)).Append('h');
        }

        if (hours > 0 || minutes > 0)
        {
            sb.Append(minutes.ToString(CultureInfo.InvariantCulture)).Append('m');
        }

        sb.Append(seconds.ToString("0.#######", CultureInfo.InvariantCulture)).Append('s');
        return sb.ToString();
    }

    /// <summary>Identities in three tab separated columns (the no-responses block).</summary>
    public static void Columns(TextWriter w, IReadOnlyList<string> names, int columns = 3)
    {
        for (var i = 0; i < names.Count; i += columns)
        {
            w.Write("    ");
            w.WriteLine(string.Join('\t', names.Skip(i).Take(columns)));
        }
    }
}

/// <summary>ANSI colour for plain text output; a no-op unless enabled (TTY and no <c>NO_COLOR</c>).</summary>
internal readonly record struct Colour(bool Enabled)
{
    public static Colour ForConsole(TextWriter output) =>
        new(ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR")));

    public string Red(string s) => Wrap("31", s);

    public string Green(string s) => Wrap("32", s);

    public string Yellow(string s) => Wrap("33", s);

    public string Bold(string s) => Wrap("1", s);

    private string Wrap(string code, string s) => Enabled ? $"\u001b[{code}m{s}\u001b[0m" : s;
}
