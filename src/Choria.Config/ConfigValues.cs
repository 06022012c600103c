using Choria.Config.Settings;

namespace Choria.Config;

/// <summary>
/// Mutable state while loading: the raw last-value map plus typed, validated values. Defaults, file lines,
/// and overrides all go through <see cref="Assign"/> so environment bindings behave the same everywhere.
/// </summary>
internal sealed class ConfigValues
{
    public const string DefaultSource = "<default>";

    private readonly IReadOnlyDictionary<string, string?> _environment;
    private readonly string? _home;

    public ConfigValues(IReadOnlyDictionary<string, string?> environment, string? home)
    {
        _environment = environment;
        _home = home;
    }

    public Dictionary<string, string> Raw { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, string> Scalars { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, List<string>> Lists { get; } = new(StringComparer.Ordinal);

    public List<ConfigWarning> Warnings { get; } = [];

    public List<string> ParsedFiles { get; } = [];

    public ConfigValues Clone()
    {
        var copy = new ConfigValues(_environment, _home);
        foreach (var (k, v) in Raw)
        {
            copy.Raw[k] = v;
        }

        foreach (var (k, v) in Scalars)
        {
            copy.Scalars[k] = v;
        }

        foreach (var (k, v) in Lists)
        {
            copy.Lists[k] = [.. v];
        }

        copy.ParsedFiles.AddRange(ParsedFiles);
        return copy;
    }

    public string? Env(string name) =>
        _environment.TryGetValue(name, out var v) && !string.IsNullOrEmpty(v) ? v : null;

    public void ApplyDefaults()
    {
        foreach (var def in SettingsTable.All)
        {
            if (!def.IsPattern && def.Default is not null)
            {
                Assign(def, def.Key, def.Default, DefaultSource, 0, isDefault: true);
            }
        }
    }

    /// <summary>Parses <c>key = value</c> text (docs/configuration.md); <paramref name="prefix"/> is for plugin.d files.</summary>
    public void ParseText(string text, string file, string prefix)
    {
        ParsedFiles.Add(file);
        var lineNo = 0;
        foreach (var rawLine in text.Split('\n'))
        {
            lineNo++;
            var line = rawLine.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0)
            {
                continue;
            }

            var key = line[..eq].TrimEnd();
            var value = line[(eq + 1)..].TrimStart();
            if (value.Length == 0)
            {
                continue;
            }

            if (key.Length == 0)
            {
                Warnings.Add(new ConfigWarning(file, lineNo, key, $"{file}:{lineNo}: line has a value but no key"));
                continue;
            }

            key = prefix + key;
            Raw[key] = value;
            var def = SettingsTable.Find(key);
            if (def is null)
            {
                if (!SettingsTable.IsPluginOwned(key))
                {
                    Warnings.Add(new ConfigWarning(file, lineNo, key, $"{file}:{lineNo}: unknown configuration setting {key}"));
                }

                continue;
            }

            if (def.Legacy)
            {
                Warnings.Add(new ConfigWarning(file, lineNo, key, $"{file}:{lineNo}: setting {key} is a legacy setting and has no effect"));
            }

            Assign(def, key, value, file, lineNo, isDefault: false);
        }
    }

    /// <summary>Validates and stores one value, honouring the key's environment binding.</summary>
    public void Assign(SettingDefinition def, string key, string value, string file, int line, bool isDefault)
    {
        var origin = $"{file}:{line}";
        if (def.EnvironmentVariable is { } envName && Env(envName) is { } envValue)
        {
            value = envValue;
            origin = $"environment variable {envName} (applied to {file}:{line})";
        }

        if (def.IsList && value.Length == 0)
        {
            Lists[key] = [];
            return;
        }

        if (!ValueParser.TryNormalise(def, value, _home, out var normalised, out var items))
        {
            throw new ConfigException($"{origin}: invalid value '{value}' for {key}: expected {def.Expectation()}")
            {
                File = file,
                Line = line,
                Key = key,
                Value = value,
            };
        }

        if (!def.IsList)
        {
            Scalars[key] = normalised;
            return;
        }

        // comma lists replace (last line wins); the other list kinds append, also onto defaults.
        if (def.Type == SettingType.CommaList || isDefault || !Lists.TryGetValue(key, out var existing))
        {
            Lists[key] = [.. items];
        }
        else
        {
            existing.AddRange(items);
        }
    }
}
