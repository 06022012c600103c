using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Choria.Ddl;

namespace Choria.Cli.Plugins;

/// <summary>
/// The questions <c>choria tool generate ddl</c> asks to build an agent DDL (docs/plugins.md): metadata, then
/// actions with their inputs and outputs. Line based, so it works on a terminal and from a script on stdin. The
/// DDL so far is handed to <c>save</c> after every section, so an interrupted session leaves a partial DDL.
/// <c>echo</c> repeats each answer after its prompt, for input that does not come from a terminal.
/// </summary>
public sealed partial class DdlQuestionnaire(TextReader input, TextWriter output, Action<AgentDdl> save, bool echo)
{
    public const string SchemaUrl = "https://choria.io/schemas/mcorpc/ddl/v1/agent.json";

    private static readonly string[] s_types = ["integer", "number", "float", "string", "boolean", "list", "hash", "array"];
    private static readonly string[] s_validations = ["shellsafe", "ipv4address", "ipv6address", "ipaddress", "regex"];
    private static readonly string[] s_displays = ["ok", "failed", "always"];

    [GeneratedRegex("^[a-z0-9_]+$")]
    private static partial Regex ShortName();

    [GeneratedRegex(@"^\d+\.\d+\.\d+$")]
    private static partial Regex SemVer();

    public AgentDdl Run()
    {
        output.WriteLine("""
            Choria agents need a DDL that describes what the agent offers: metadata about the agent (who made it, its
            license, ...), every action, the inputs each action takes and the outputs it produces. Answer the questions
            below; the JSON DDL is saved after every section, so an interrupted session leaves what was answered so far.

            First the agent's metadata.
            """);
        var ddl = new AgentDdl
        {
            Schema = SchemaUrl,
            Metadata = new DdlMetadata
            {
                Name = Ask("Agent name", v => ShortName().IsMatch(v) ? null : "must match ^[a-z0-9_]+$"),
                Description = Ask("Description"),
                Author = Ask("Author"),
                Version = Ask("Version (x.y.z)", v => SemVer().IsMatch(v) ? null : "must be a basic semver x.y.z version"),
                License = Ask("License (e.g. Apache-2.0)"),
                Url = Ask("URL", v => Uri.TryCreate(v, UriKind.Absolute, out var u) && u.Host.Length > 0 ? null : "is not a valid URL"),
                Timeout = int.Parse(Ask("Timeout in seconds", v => int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var t) && t > 0 ? null : "must be a whole number of seconds above 0"), CultureInfo.InvariantCulture),
            },
        };
        save(ddl);

        output.WriteLine("""

            Now the actions. Each has a name (like "install"), a one line description and a display hint: which
            replies client tools show by default (ok: successful ones, failed: failed ones, always: all of them).
            """);
        while (AskBool("Add an action?"))
        {
            var name = Ask("Action name", v => !ShortName().IsMatch(v) ? "must match ^[a-z0-9_]+$" : ddl.FindAction(v) is not null ? $"already have an action {v}" : null);
            var action = new ActionDdl
            {
                Action = name,
                Description = Ask("Description"),
                Display = Choose("Display hint", s_displays),
            };
            ddl.Actions.Add(action);
            save(ddl);
            AskInputs(action);
            save(ddl);
            AskOutputs(action);
            save(ddl);
        }

        return ddl;
    }

    private void AskInputs(ActionDdl action)
    {
        output.WriteLine($"\nInputs of {action.Action}: the arguments the action takes (string inputs also get a maximum length and a validation).");
        while (AskBool("Add an input?"))
        {
            var name = Ask("Input name", v => !ShortName().IsMatch(v) ? "must match ^[a-z0-9_]+$" : action.Input.ContainsKey(v) ? $"input {v} already exists" : null);
            var item = new InputItem
            {
                Prompt = Ask("Prompt"),
                Description = Ask("Description"),
                Type = Choose("Data type", s_types),
                Optional = AskBool("Optional?"),
            };
            if (item.Type == "string")
            {
                var maxLength = int.Parse(Ask("Maximum length (0 for unlimited)", v => int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out _) ? null : "must be a whole number"), CultureInfo.InvariantCulture);
                var validation = Choose("Validation", s_validations);
                if (validation == "regex")
                {
                    validation = Ask("Validation regular expression", ValidRegex);
                }

                item = item with { MaxLength = maxLength, Validation = validation };
            }
            else if (item.Type == "list")
            {
                item = item with { List = [.. Ask("Valid values (comma separated)").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)] };
            }

            var type = item.Type;
            var fallback = AskOptional("Default value (empty for none)", v => DefaultFor(type, v, out _));
            item = item with { Default = fallback.Length > 0 ? Parsed(type, fallback) : null };
            action.Input[name] = item;
        }
    }

    private void AskOutputs(ActionDdl action)
    {
        output.WriteLine($"\nOutputs of {action.Action}: the data the action returns, with the heading client tools show it under.");
        while (AskBool("Add an output?"))
        {
            var name = Ask("Output name", v => !ShortName().IsMatch(v) ? "must match ^[a-z0-9_]+$" : action.Output.ContainsKey(v) ? $"output {v} already exists" : null);
            var item = new OutputItem
            {
                Description = Ask("Description"),
                Type = Choose("Data type", s_types),
                DisplayAs = Ask("Display as"),
            };
            var type = item.Type;
            var fallback = AskOptional("Default value (empty for none)", v => DefaultFor(type, v, out _));
            action.Output[name] = item with { Default = fallback.Length > 0 ? Parsed(type, fallback) : null };
        }
    }

    private static string? ValidRegex(string value)
    {
        try
        {
            _ = new Regex(value, RegexOptions.None, TimeSpan.FromSeconds(1));
            return null;
        }
        catch (ArgumentException e)
        {
            return $"is not a valid regular expression: {e.Message}";
        }
    }

    /// <summary>Checks that <paramref name="text"/> is a value of <paramref name="type"/>; returns why not, or null.</summary>
    private static string? DefaultFor(string type, string text, out JsonElement value)
    {
        value = default;
        var json = type switch
        {
            "string" or "list" => JsonSerializer.Serialize(text, DdlQuestionnaireJson.Default.String),
            "boolean" => text.ToLowerInvariant() switch
            {
                "true" or "t" or "yes" or "y" or "1" => "true",
                "false" or "f" or "no" or "n" or "0" => "false",
                _ => null,
            },
            "integer" => long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var i) ? i.ToString(CultureInfo.InvariantCulture) : null,
            "number" or "float" => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) ? text : null,
            _ => text,
        };
        if (json is null)
        {
            return $"is not a valid {type}";
        }

        try
        {
            using var doc = JsonDocument.Parse(json);
            value = doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            return $"is not a valid {type} (give it as JSON)";
        }

        return type switch
        {
            "hash" when value.ValueKind != JsonValueKind.Object => "is not a JSON object",
            "array" when value.ValueKind != JsonValueKind.Array => "is not a JSON array",
            _ => null,
        };
    }

    private static JsonElement Parsed(string type, string text)
    {
        DefaultFor(type, text, out var value);
        return value;
    }

    private string Ask(string prompt, Func<string, string?>? check = null)
    {
        while (true)
        {
            var answer = Read(prompt);
            var problem = answer.Length == 0 ? "an answer is required" : check?.Invoke(answer);
            if (problem is null)
            {
                return answer;
            }

            output.WriteLine(answer.Length == 0 ? $"  {problem}" : $"  {answer}: {problem}");
        }
    }

    private string AskOptional(string prompt, Func<string, string?> check)
    {
        while (true)
        {
            var answer = Read(prompt);
            if (answer.Length == 0 || check(answer) is not { } problem)
            {
                return answer;
            }

            output.WriteLine($"  {answer}: {problem}");
        }
    }

    private string Choose(string prompt, string[] choices) =>
        Ask($"{prompt} ({string.Join("|", choices)})", v => choices.Contains(v, StringComparer.Ordinal) ? null : $"choose one of {string.Join(", ", choices)}");

    /// <summary>Asks a yes/no question.</summary>
    public bool Confirm(string question) => AskBool(question);

    private bool AskBool(string prompt) =>
        Ask(prompt + " (y/n)", v => v.ToLowerInvariant() is "y" or "yes" or "n" or "no" or "t" or "true" or "f" or "false" ? null : "answer y or n").ToLowerInvariant() is "y" or "yes" or "t" or "true";

    private string Read(string prompt)
    {
        output.Write($"{prompt}: ");
        output.Flush();
        var line = input.ReadLine() ?? throw new EndOfStreamException($"the input ended at '{prompt}' before the DDL was complete");
        if (echo)
        {
            output.WriteLine(line);
        }

        return line.Trim();
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class DdlQuestionnaireJson : System.Text.Json.Serialization.JsonSerializerContext;
