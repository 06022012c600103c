using System.Globalization;
using Choria.Config.Settings;
using YamlDotNet.RepresentationModel;

namespace Choria.Machine.Manifest;

/// <summary>
/// The <c>properties</c> map of one watcher, read by its kind. Each accessor throws <see cref="ManifestException"/>
/// naming the field (<c>watcher W property P</c>) when a value has the wrong shape, so a bad manifest says where.
/// </summary>
public sealed class WatcherProperties
{
    private readonly IReadOnlyDictionary<string, YamlNode> _values;
    private readonly string _watcher;

    public WatcherProperties(string watcher, IReadOnlyDictionary<string, YamlNode> values)
    {
        _watcher = watcher;
        _values = values;
    }

    public static WatcherProperties Empty(string watcher) => new(watcher, new Dictionary<string, YamlNode>());

    /// <summary>Builds properties from plain strings (tests, the CLI and plugins that make watchers in code).</summary>
    public static WatcherProperties FromStrings(string watcher, IReadOnlyDictionary<string, string> values) =>
        new(watcher, values.ToDictionary(kv => kv.Key, kv => (YamlNode)new YamlScalarNode(kv.Value), StringComparer.Ordinal));

    public IEnumerable<string> Keys => _values.Keys;

    public bool Has(string key) => _values.ContainsKey(key);

    public string Text(string key, string fallback = "")
    {
        if (!_values.TryGetValue(key, out var node))
        {
            return fallback;
        }

        return node is YamlScalarNode scalar ? scalar.Value ?? fallback : throw Error(key, "must be a string");
    }

    public string RequiredString(string key)
    {
        var value = Text(key);
        return value.Length > 0 ? value : throw Error(key, "is required");
    }

    public bool Bool(string key, bool fallback = false)
    {
        var text = Text(key);
        return text switch
        {
            "" => fallback,
            "true" or "True" or "TRUE" or "yes" or "on" => true,
            "false" or "False" or "FALSE" or "no" or "off" => false,
            _ => throw Error(key, $"'{text}' is not a boolean"),
        };
    }

    public TimeSpan? Duration(string key)
    {
        var text = Text(key);
        if (text.Length == 0)
        {
            return null;
        }

        return ValueParser.TryParseDuration(text, out var d) && d >= TimeSpan.Zero ? d : throw Error(key, $"'{text}' is not a valid duration");
    }

    public IReadOnlyList<string> StringList(string key)
    {
        if (!_values.TryGetValue(key, out var node))
        {
            return [];
        }

        return node switch
        {
            YamlSequenceNode seq => [.. seq.Children.Select(c => c is YamlScalarNode s ? s.Value ?? "" : throw Error(key, "must be a list of strings"))],
            YamlScalarNode { Value: null or "" } => [],
            _ => throw Error(key, "must be a list of strings"),
        };
    }

    public IReadOnlyDictionary<string, string> StringMap(string key)
    {
        if (!_values.TryGetValue(key, out var node))
        {
            return new Dictionary<string, string>();
        }

        if (node is not YamlMappingNode map)
        {
            throw Error(key, "must be a map of strings");
        }

        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in map.Children)
        {
            if (k is not YamlScalarNode { Value: { } name } || v is not YamlScalarNode value)
            {
                throw Error(key, "must be a map of strings");
            }

            result[name] = value.Value ?? "";
        }

        return result;
    }

    public int Number(string key, int fallback = 0)
    {
        var text = Text(key);
        if (text.Length == 0)
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n : throw Error(key, $"'{text}' is not an integer");
    }

    public ManifestException Error(string key, string problem) => new($"watcher {_watcher} property {key} {problem}");
}
