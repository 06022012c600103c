using System.CommandLine;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Choria.Config;
using Choria.Config.Settings;
using Spectre.Console;

namespace Choria.Cli.Commands.Tool;

/// <summary>
/// <c>choria tool config [KEY...]</c>: documents every known setting, optionally with the value the
/// <c>--config</c> file gives it. KEY filters match as case-insensitive substrings or as regular expressions.
/// </summary>
public static class ToolConfigCommand
{
    // Relaxed escaping keeps <name> placeholders readable in the JSON output.
    private static readonly ToolConfigJsonContext s_json = new(new JsonSerializerOptions
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    public static Command Create()
    {
        var keys = new Argument<string[]>("keys")
        {
            Arity = ArgumentArity.ZeroOrMore,
            Description = "Show only settings whose key contains one of these strings or matches one of these regular expressions",
        };
        var json = new Option<bool>("--json") { Description = "Produce JSON output" };
        var markdown = new Option<bool>("--markdown") { Description = "Produce the Markdown documentation page" };

        var cmd = new Command("config", "Describes the configuration settings and their current values");
        cmd.Arguments.Add(keys);
        cmd.Options.Add(json);
        cmd.Options.Add(markdown);
        cmd.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(markdown))
            {
                output.Write(SettingsDocs.RenderMarkdown());
                return 0;
            }

            ChoriaConfig? config = null;
            if (parse.GetValue(GlobalOptions.Config) is { } file)
            {
                try
                {
                    var loaded = ConfigLoader.Load(file.FullName);
                    foreach (var warning in loaded.Warnings)
                    {
                        parse.InvocationConfiguration.Error.WriteLine("WARNING: " + warning.Message);
                    }

                    config = loaded.Config;
                }
                catch (ConfigException e)
                {
                    parse.InvocationConfiguration.Error.WriteLine(e.Message);
                    return 1;
                }
            }

            var rows = Select(parse.GetValue(keys) ?? [], config);
            if (parse.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(rows, s_json.ListSettingRow));
            }
            else if (ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected)
            {
                RenderTable(rows, config is not null);
            }
            else
            {
                output.Write(RenderPlain(rows, config is not null));
            }

            return 0;
        });
        return cmd;
    }

    internal static List<SettingRow> Select(IReadOnlyList<string> filters, ChoriaConfig? config)
    {
        var matchers = filters.Select(Matcher).ToList();
        return [.. SettingsTable.All
            .Where(d => matchers.Count == 0 || matchers.Any(m => m(d.Key)))
            .Select(d => new SettingRow(
                d.Key,
                d.Type.ToString(),
                d.ShownDefault,
                SettingsDocs.Describe(d),
                d.Expectation(),
                config is null ? null : CurrentValue(config, d)))];
    }

    private static Func<string, bool> Matcher(string filter)
    {
        Regex? regex = null;
        try
        {
            regex = new Regex(filter, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException)
        {
            // Not a regex: substring matching still applies.
        }

        return key => key.Contains(filter, StringComparison.OrdinalIgnoreCase) || (regex?.IsMatch(key) ?? false);
    }

    private static string CurrentValue(ChoriaConfig config, SettingDefinition d)
    {
        if (!d.IsPattern)
        {
            return config.GetString(d.Key);
        }

        // A pattern has no value of its own; show each concrete key the file set for it.
        var set = config.KeysWithPrefix("plugin.")
            .Where(k => SettingsTable.Find(k) == d)
            .Select(k => $"{k}={config.GetString(k)}");
        return string.Join("; ", set);
    }

    private static void RenderTable(List<SettingRow> rows, bool withValues)
    {
        var table = new Table().Border(TableBorder.Rounded);
        table.AddColumn("Key");
        table.AddColumn("Type");
        table.AddColumn("Default");
        if (withValues)
        {
            table.AddColumn("Value");
        }

        table.AddColumn("Description");
        table.AddColumn("Validation");
        foreach (var r in rows)
        {
            var cells = new List<Text> { new(r.Key), new(r.Type), new(DefaultText(r.Default)) };
            if (withValues)
            {
                cells.Add(new Text(r.Value ?? ""));
            }

            cells.Add(new Text(r.Description));
            cells.Add(new Text(r.Validation));
            table.AddRow(cells);
        }

        AnsiConsole.Write(table);
    }

    internal static string RenderPlain(List<SettingRow> rows, bool withValues)
    {
        var keyWidth = rows.Select(r => r.Key.Length).DefaultIfEmpty(0).Max();
        var typeWidth = rows.Select(r => r.Type.Length).DefaultIfEmpty(0).Max();
        var sb = new StringBuilder();
        foreach (var r in rows)
        {
            sb.Append(r.Key.PadRight(keyWidth)).Append("  ").Append(r.Type.PadRight(typeWidth)).Append("  ")
              .Append("default: ").Append(DefaultText(r.Default));
            if (withValues)
            {
                sb.Append("  value: ").Append(r.Value);
            }

            sb.Append('\n').Append(' ', keyWidth + 2).Append(r.Description).Append('\n')
              .Append(' ', keyWidth + 2).Append("valid: ").Append(r.Validation).Append('\n');
        }

        return sb.ToString();
    }

    private static string DefaultText(string? d) => d is null ? "(unset)" : d.Length == 0 ? "(empty)" : d;
}

/// <summary>One row of <c>choria tool config</c> output.</summary>
internal sealed record SettingRow(
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("default")] string? Default,
    [property: JsonPropertyName("description")] string Description,
    [property: JsonPropertyName("validation")] string Validation,
    [property: JsonPropertyName("value")] string? Value);

[JsonSerializable(typeof(List<SettingRow>))]
internal sealed partial class ToolConfigJsonContext : JsonSerializerContext;
