using System.Globalization;
using System.Text;

namespace Choria.Broker.Network;

/// <summary>Indentation-aware writer for the native nats-server config syntax; every string is quoted.</summary>
internal sealed class NatsConfWriter
{
    private readonly StringBuilder _sb = new();
    private int _depth;

    public NatsConfWriter Comment(string text) => Line("# " + text);

    public NatsConfWriter Blank()
    {
        _sb.Append('\n');
        return this;
    }

    public NatsConfWriter Str(string key, string value) => Line($"{key}: {Quote(value)}");

    public NatsConfWriter Num(string key, long value) => Line(string.Create(CultureInfo.InvariantCulture, $"{key}: {value}"));

    public NatsConfWriter Seconds(string key, TimeSpan value) =>
        Line(string.Create(CultureInfo.InvariantCulture, $"{key}: {value.TotalSeconds:0.###}"));

    public NatsConfWriter Bool(string key, bool value) => Line($"{key}: {(value ? "true" : "false")}");

    public NatsConfWriter Raw(string key, string value) => Line($"{key}: {value}");

    public NatsConfWriter Open(string header)
    {
        Line(header.Length == 0 ? "{" : header + " {");
        _depth++;
        return this;
    }

    public NatsConfWriter OpenList(string key)
    {
        Line(key + ": [");
        _depth++;
        return this;
    }

    public NatsConfWriter Close(string closer = "}")
    {
        _depth--;
        return Line(closer);
    }

    public NatsConfWriter Item(string quoted) => Line(quoted);

    public override string ToString() => _sb.ToString();

    /// <summary>JSON-style quoting, which the NATS parser accepts; quoted values are never variable-expanded.</summary>
    public static string Quote(string value)
    {
        var sb = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default: sb.Append(c); break;
            }
        }

        return sb.Append('"').ToString();
    }

    public static string QuotedList(IEnumerable<string> values) => "[" + string.Join(", ", values.Select(Quote)) + "]";

    private NatsConfWriter Line(string text)
    {
        _sb.Append(' ', _depth * 2).Append(text).Append('\n');
        return this;
    }
}
