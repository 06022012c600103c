using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Choria.Ddl.Ruby;

/// <summary>
/// Writes a JSON agent DDL as an MCollective Ruby DDL (the <c>metadata</c>/<c>action</c>/<c>input</c>/<c>output</c>
/// DSL of <c>&lt;agent&gt;.ddl</c>), for Ruby clients and mcollectived that only read that form. The reverse of
/// <see cref="RubyDdlConverter"/>: converting the result back gives the same DDL.
/// </summary>
public static class RubyDdlWriter
{
    /// <summary>String validations MCollective knows by name; anything else is a regular expression.</summary>
    private static readonly HashSet<string> s_namedValidators = new(StringComparer.Ordinal) { "shellsafe", "ipv4address", "ipv6address", "ipaddress" };

    public static string Write(AgentDdl ddl)
    {
        var text = new StringBuilder();
        var meta = ddl.Metadata;
        Pairs(text, "metadata ", [
            ("name", Str(meta.Name)),
            ("description", Str(meta.Description)),
            ("author", Str(meta.Author)),
            ("license", Str(meta.License)),
            ("version", Str(meta.Version)),
            ("url", Str(meta.Url)),
            ("timeout", meta.Timeout.ToString(CultureInfo.InvariantCulture)),
        ]);
        text.Append('\n');

        foreach (var action in ddl.Actions)
        {
            text.Append(CultureInfo.InvariantCulture, $"action {Str(action.Action)}, :description => {Str(action.Description)} do\n");
            text.Append(CultureInfo.InvariantCulture, $"  display :{(action.Display.Length > 0 ? action.Display : "failed")}\n");

            foreach (var (name, input) in action.Input)
            {
                var props = new List<(string, string)>
                {
                    ("prompt", Str(input.Prompt)),
                    ("description", Str(input.Description)),
                    ("type", ":" + input.Type),
                };
                if (input.Type == "string")
                {
                    props.Add(("validation", Validation(input.Validation ?? "")));
                    props.Add(("maxlength", input.MaxLength.ToString(CultureInfo.InvariantCulture)));
                }

                if (input.Type == "list")
                {
                    props.Add(("list", "[" + string.Join(", ", (input.List ?? []).Select(Str)) + "]"));
                }

                props.Add(("optional", input.Optional ? "true" : "false"));
                if (input.Default is { } d)
                {
                    props.Add(("default", Value(d)));
                }

                text.Append('\n');
                Pairs(text, $"  input :{name},\n", props, indent: "        ");
            }

            foreach (var (name, output) in action.Output)
            {
                var props = new List<(string, string)>
                {
                    ("description", Str(output.Description)),
                    ("display_as", Str(output.DisplayAs)),
                };
                if (output.Type is { Length: > 0 } type)
                {
                    props.Add(("type", Str(type)));
                }

                if (output.Default is { } d)
                {
                    props.Add(("default", Value(d)));
                }

                text.Append('\n');
                Pairs(text, $"  output :{name},\n", props, indent: "         ");
            }

            if (action.Aggregate is { Count: > 0 } aggregates)
            {
                text.Append("\n  summarize do\n");
                foreach (var aggregate in aggregates)
                {
                    // JSON keeps the options (format) as a last object argument; the DSL passes them to aggregate itself.
                    var args = aggregate.Args.Where(a => a.ValueKind != JsonValueKind.Object)
                        .Select((a, i) => i == 0 && a.ValueKind == JsonValueKind.String ? ":" + a.GetString() : Value(a));
                    var options = aggregate.Args.Where(a => a.ValueKind == JsonValueKind.Object)
                        .SelectMany(o => o.EnumerateObject()).Select(p => $", :{p.Name} => {Value(p.Value)}");
                    text.Append(CultureInfo.InvariantCulture, $"    aggregate {aggregate.Function}({string.Join(", ", args)}){string.Concat(options)}\n");
                }

                text.Append("  end\n");
            }

            text.Append("end\n\n");
        }

        return text.ToString().TrimEnd('\n') + "\n";
    }

    /// <summary>Ruby hash arguments aligned on <c>=&gt;</c>, one per line, the first after <paramref name="head"/>.</summary>
    private static void Pairs(StringBuilder text, string head, List<(string Key, string Value)> pairs, string? indent = null)
    {
        var width = pairs.Max(p => p.Key.Length);
        var pad = indent ?? new string(' ', head.Length);
        text.Append(head);
        for (var i = 0; i < pairs.Count; i++)
        {
            var (key, value) = pairs[i];
            if (i > 0 || head.EndsWith('\n'))
            {
                text.Append(pad);
            }

            text.Append(':').Append(key.PadRight(width)).Append(" => ").Append(value);
            text.Append(i < pairs.Count - 1 ? ",\n" : "\n");
        }
    }

    private static string Validation(string validation) =>
        s_namedValidators.Contains(validation) ? ":" + validation : SingleQuoted(validation);

    /// <summary>A JSON value as a Ruby literal.</summary>
    private static string Value(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => Str(value.GetString()!),
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Array => "[" + string.Join(", ", value.EnumerateArray().Select(Value)) + "]",
        JsonValueKind.Object => "{" + string.Join(", ", value.EnumerateObject().Select(p => $"{Str(p.Name)} => {Value(p.Value)}")) + "}",
        _ => "nil",
    };

    /// <summary>A double-quoted Ruby string: escapes, and no <c>#{}</c> interpolation of the text.</summary>
    private static string Str(string value)
    {
        var text = new StringBuilder("\"");
        foreach (var c in value)
        {
            text.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '#' => "\\#",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when char.IsControl(c) => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }

        return text.Append('"').ToString();
    }

    /// <summary>A single-quoted Ruby string (regular expressions keep their backslashes).</summary>
    private static string SingleQuoted(string value) =>
        "'" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'";
}
