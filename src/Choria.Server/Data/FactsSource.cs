using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using YamlDotNet.RepresentationModel;

namespace Choria.Server.Data;

/// <summary>
/// Merged facts of docs/server.md. Go re-reads the files on every use; this reads them again only
/// when a file's size or mtime changed (a cheap stat per use), which gives the same answers.
/// </summary>
public sealed partial class FactsSource(FactsOptions options, ILogger<FactsSource> logger)
{
    private readonly Lock _lock = new();
    private readonly string[] _files = options.FactsFiles.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
    private (long Size, DateTime Mtime)[]? _stamps;
    private JsonElement _facts = s_actionEmpty;

    private static readonly JsonElement s_actionEmpty = JsonDocument.Parse("{}").RootElement.Clone();

    /// <summary>The merged facts object (<c>{}</c> when no file could be read).</summary>
    public JsonElement Facts()
    {
        if (options.Facts is { } fixedFacts)
        {
            return fixedFacts;
        }

        var stamps = _files.Select(Stamp).ToArray();
        lock (_lock)
        {
            if (_stamps is null || !_stamps.SequenceEqual(stamps))
            {
                _facts = Load();
                _stamps = stamps;
            }

            return _facts;
        }
    }

    private static (long, DateTime) Stamp(string file)
    {
        var fi = new FileInfo(file);
        return fi.Exists ? (fi.Length, fi.LastWriteTimeUtc) : (-1, DateTime.MinValue);
    }

    private JsonElement Load()
    {
        var merged = new JsonObject();
        foreach (var file in _files)
        {
            if (!File.Exists(file))
            {
                LogMissing(file);
                continue;
            }

            try
            {
                var text = File.ReadAllText(file);
                var parsed = file.EndsWith("yaml", StringComparison.Ordinal)
                    ? YamlToJson(text, reason => LogIgnoredKey(file, reason))
                    : JsonNode.Parse(text);
                if (parsed is not JsonObject obj)
                {
                    LogInvalid(file, "facts must be an object");
                    continue;
                }

                foreach (var (key, value) in obj.ToList())
                {
                    obj.Remove(key);
                    merged[key] = value;
                }
            }
            // ArgumentException: duplicate JSON property names surface when the object is materialised.
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or YamlDotNet.Core.YamlException
                or InvalidDataException or ArgumentException or InvalidOperationException)
            {
                LogInvalid(file, e.Message);
            }
        }

        return JsonSerializer.SerializeToElement(merged, Json.ServerJsonContext.Default.JsonObject);
    }

    /// <summary>Deepest nesting accepted; a self-referencing alias would otherwise recurse until the stack overflows.</summary>
    public const int MaxYamlDepth = 64;

    /// <summary>Most nodes one document may expand to; aliases can multiply a small file into a huge tree.</summary>
    public const int MaxYamlNodes = 1_000_000;

    /// <summary>
    /// Converts YAML to JSON with YAML 1.1 scalars: yes/no/on/off/y/n/true/false are booleans. Mapping keys that
    /// are not scalars cannot be JSON property names: they are left out and reported to <paramref name="ignored"/>.
    /// Throws <see cref="InvalidDataException"/> for documents nested or expanded beyond the limits above.
    /// </summary>
    public static JsonNode? YamlToJson(string yaml, Action<string>? ignored = null)
    {
        var stream = new YamlStream();
        using var reader = new StringReader(yaml);
        stream.Load(reader);
        var budget = MaxYamlNodes;
        return stream.Documents.Count == 0 ? null : Convert(stream.Documents[0].RootNode, 0, ref budget, ignored);
    }

    private static JsonNode? Convert(YamlNode node, int depth, ref int budget, Action<string>? ignored)
    {
        if (depth > MaxYamlDepth)
        {
            throw new InvalidDataException($"facts are nested deeper than {MaxYamlDepth} levels");
        }

        if (--budget < 0)
        {
            throw new InvalidDataException($"facts expand to more than {MaxYamlNodes} values");
        }

        switch (node)
        {
            case YamlMappingNode map:
                var obj = new JsonObject();
                foreach (var (key, value) in map.Children)
                {
                    if (key is not YamlScalarNode { Value: { } name })
                    {
                        ignored?.Invoke($"a {key.NodeType.ToString().ToLowerInvariant()} used as a key at line {key.Start.Line} is not a valid fact name, ignoring it");
                        continue;
                    }

                    obj[name] = Convert(value, depth + 1, ref budget, ignored);
                }

                return obj;
            case YamlSequenceNode seq:
                var array = new JsonArray();
                foreach (var item in seq.Children)
                {
                    array.Add(Convert(item, depth + 1, ref budget, ignored));
                }

                return array;
            case YamlScalarNode scalar:
                return ConvertScalar(scalar);
            default:
                return null;
        }
    }

    private static JsonValue? ConvertScalar(YamlScalarNode scalar)
    {
        var value = scalar.Value ?? "";
        if (scalar.Style is YamlDotNet.Core.ScalarStyle.SingleQuoted or YamlDotNet.Core.ScalarStyle.DoubleQuoted
            or YamlDotNet.Core.ScalarStyle.Literal or YamlDotNet.Core.ScalarStyle.Folded)
        {
            return JsonValue.Create(value);
        }

        switch (value)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return null;
            case "y" or "Y" or "yes" or "Yes" or "YES" or "true" or "True" or "TRUE" or "on" or "On" or "ON":
                return JsonValue.Create(true);
            case "n" or "N" or "no" or "No" or "NO" or "false" or "False" or "FALSE" or "off" or "Off" or "OFF":
                return JsonValue.Create(false);
        }

        if (long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
        {
            return JsonValue.Create(l);
        }

        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) && value.Any(char.IsAsciiDigit))
        {
            return JsonValue.Create(d);
        }

        return JsonValue.Create(value);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Fact file {File} does not exist, skipping")]
    private partial void LogMissing(string file);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Fact file {File}: {Reason}")]
    private partial void LogIgnoredKey(string file, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not load facts from {File}: {Reason}")]
    private partial void LogInvalid(string file, string reason);
}
