namespace Choria.Config.Settings;

/// <summary>
/// One configuration key: the single source used for parsing, defaults, validation and documentation.
/// A key containing <c>&lt;name&gt;</c> is a pattern matching any one dot-free name in that position.
/// </summary>
/// <param name="Key">Full key, or a pattern such as <c>plugin.choria.adapter.&lt;name&gt;.type</c>.</param>
/// <param name="Type">Parsing rule.</param>
/// <param name="Default">Default text parsed like a config line; <c>null</c> means "no default" (unset).</param>
/// <param name="Description">One line for docs and <c>choria tool config</c>.</param>
public sealed record SettingDefinition(string Key, SettingType Type, string? Default, string Description)
{
    /// <summary>Grouping for the documentation page.</summary>
    public string Category { get; init; } = "Core";

    /// <summary>Values accepted by <see cref="SettingType.Enum"/> settings (case-sensitive).</summary>
    public IReadOnlyList<string>? AllowedValues { get; init; }

    /// <summary>Regex every value (every item for lists) must match.</summary>
    public string? Pattern { get; init; }

    /// <summary>List items must themselves be valid regular expressions.</summary>
    public bool ItemsAreRegex { get; init; }

    /// <summary>Inclusive lower bound: the number for ints, seconds for durations.</summary>
    public long? Min { get; init; }

    /// <summary>Inclusive upper bound: the number for ints, seconds for durations.</summary>
    public long? Max { get; init; }

    /// <summary>
    /// The default the specification documents, for keys whose <see cref="Default"/> must stay <c>null</c>:
    /// an environment binding applies only while a value is assigned, and provisioning asks whether a
    /// file set the key. Assigning it as a real default would change both, so it is only shown.
    /// </summary>
    public string? DocumentedDefault { get; init; }

    /// <summary>The default to show in docs and <c>choria tool config</c>.</summary>
    public string? ShownDefault => Default ?? DocumentedDefault;

    /// <summary>Environment variable that replaces the value whenever the key is assigned.</summary>
    public string? EnvironmentVariable { get; init; }

    /// <summary>Parsed for MCollective / older Choria compatibility but has no effect.</summary>
    public bool Legacy { get; init; }

    /// <summary><c>2020</c> or <c>later</c>: which go-choria generation introduced the key; <c>C# port</c> for keys go-choria lacks.</summary>
    public string Since { get; init; } = "2020";

    public bool IsPattern => Key.Contains('<', StringComparison.Ordinal);

    public bool IsList => Type is SettingType.CommaList or SettingType.PathList or SettingType.ColonList or SettingType.List;

    /// <summary>Human text describing the accepted values, used in errors and docs.</summary>
    public string Expectation()
    {
        var parts = new List<string>();
        parts.Add(Type switch
        {
            SettingType.Int => "an integer",
            SettingType.Bool => "a boolean (1, yes, true, y, t / 0, no, false, n, f)",
            SettingType.Duration => "a duration (seconds as digits, or like 500ms, 10s, 1h30m, 2d)",
            SettingType.Enum => "one of " + string.Join(", ", AllowedValues ?? []),
            SettingType.CommaList => "a comma separated list",
            SettingType.PathList => "a path list",
            SettingType.ColonList => "a colon separated list",
            SettingType.PathString => "a path",
            _ => "a string",
        });
        if (Min is not null)
        {
            parts.Add($">= {Min}" + (Type == SettingType.Duration ? "s" : ""));
        }

        if (Max is not null)
        {
            parts.Add($"<= {Max}" + (Type == SettingType.Duration ? "s" : ""));
        }

        if (Pattern is not null)
        {
            parts.Add((IsList ? "items matching " : "matching ") + Pattern);
        }

        if (ItemsAreRegex)
        {
            parts.Add("items being valid regular expressions");
        }

        return string.Join(", ", parts);
    }
}
