using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Choria.Ddl;
using Choria.Ddl.Ruby;

namespace Choria.Client;

/// <summary>
/// Finds agent DDLs: in each libdir <c>mcollective/agent/&lt;agent&gt;.json</c>, then the Ruby
/// <c>&lt;agent&gt;.ddl</c> converted to JSON (when a converter is given), then the built-in ones.
/// </summary>
public static class DdlResolver
{
    public static bool TryLoad(string agent, IEnumerable<string> libDirs, [NotNullWhen(true)] out AgentDdl? ddl, [NotNullWhen(false)] out string? error) =>
        TryLoad(agent, libDirs, null, out ddl, out error);

    /// <param name="converter">Converts Ruby <c>.ddl</c> files; null looks for JSON DDLs only.</param>
    public static bool TryLoad(string agent, IEnumerable<string> libDirs, RubyDdlConverter? converter, [NotNullWhen(true)] out AgentDdl? ddl, [NotNullWhen(false)] out string? error)
    {
        ddl = null;
        foreach (var dir in libDirs)
        {
            var path = Path.Combine(dir, "mcollective", "agent", agent + ".json");
            var rubyPath = Path.ChangeExtension(path, ".ddl");
            DdlLoadResult loaded;
            if (File.Exists(path))
            {
                loaded = DdlLoader.LoadFile(path);
            }
            else if (converter is not null && File.Exists(rubyPath))
            {
                // The CLI has nothing else to do while Ruby runs; blocking here keeps the resolver synchronous.
                loaded = converter.LoadAsync(rubyPath, CancellationToken.None).GetAwaiter().GetResult();
                path = rubyPath;
            }
            else
            {
                continue;
            }

            if (loaded.Ddl is null)
            {
                error = $"could not load DDL for agent {agent} from {path}: {loaded.Error}";
                return false;
            }

            ddl = loaded.Ddl;
            error = null;
            return true;
        }

        if (DdlLoader.BuiltinNames.Contains(agent, StringComparer.Ordinal) && DdlLoader.LoadBuiltin(agent).Ddl is { } builtin)
        {
            ddl = builtin;
            error = null;
            return true;
        }

        error = $"could not find DDL for agent {agent}";
        return false;
    }

    /// <summary>
    /// Turns <c>key=value</c> arguments into request data typed by the action's DDL; optional inputs with a
    /// DDL default are filled in, as MCollective clients do. Unknown keys and values of the wrong type fail
    /// here; the rest of the validation (required inputs, validators) is <see cref="ChoriaClient.Prepare"/>'s.
    /// </summary>
    public static bool TryBuildInputs(ActionDdl action, IEnumerable<string> arguments, [NotNullWhen(true)] out JsonObject? data, [NotNullWhen(false)] out string? error)
    {
        data = [];
        foreach (var argument in arguments)
        {
            var eq = argument.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                error = $"invalid input: '{argument}' is not in key=value format";
                data = null;
                return false;
            }

            var key = argument[..eq];
            var value = argument[(eq + 1)..];
            if (!action.Input.TryGetValue(key, out var input))
            {
                var valid = string.Join(", ", action.Input.Keys.Order(StringComparer.Ordinal));
                error = string.Create(CultureInfo.InvariantCulture, $"invalid input: '{key}' is not a valid input for {action.Action}, valid inputs are: {(valid.Length == 0 ? "none" : valid)}");
                data = null;
                return false;
            }

            if (!InputValidator.TryConvertString(input.Type, value, out var converted, out var convertError))
            {
                error = $"invalid input: {key}: {convertError}";
                data = null;
                return false;
            }

            data[key] = converted;
        }

        foreach (var (name, input) in action.Input)
        {
            if (!data.ContainsKey(name) && input.Optional && input.Default is { ValueKind: not JsonValueKind.Null } def)
            {
                data[name] = JsonNode.Parse(def.GetRawText());
            }
        }

        error = null;
        return true;
    }
}
