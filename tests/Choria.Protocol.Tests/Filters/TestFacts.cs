using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Choria.Protocol.Filters;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;


namespace Choria.Protocol.Tests.Filters;

/// <summary>
/// Test-only facts loading: YAML 1.1 (go-yaml v2 scalar rules) or JSON, shallow-merged like the
/// server's loader. The production loader lives in the server project.
/// </summary>
internal static partial class TestFacts
{
    public static JsonElement Load(params string[] files)
    {
        var merged = new JsonObject();
        foreach (var file in files)
        {
            var node = file.EndsWith("yaml", StringComparison.Ordinal)
                ? YamlToJson(File.ReadAllText(file))
                : JsonNode.Parse(File.ReadAllText(file));
            foreach (var (key, value) in node!.AsObject())
            {
                merged[key] = value?.DeepClone();
            }
        }

        return JsonSerializer.SerializeToElement(merged);
    }

    public static IReadOnlyList<string> Lines(string file)
    {
        var lines = File.ReadAllText(file).Split('\n').ToList();
        if (lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }

        return lines;
    }

    public static NodeData Node(string identity, IReadOnlyList<string> classes, IReadOnlyList<string> agents, JsonElement facts) =>
        new(identity, classes, agents, facts);

    public static NodeData DiscoveryNode(string identity = "node4.example.net") => new(
        identity,
        Lines(TestPaths.Fixture("server", "facts", "discovery_classes.txt")),
        ["choria_util", "discovery", "rpcutil"],
        Load(TestPaths.Fixture("server", "facts", "discovery_facts.yaml")));

    private static JsonNode? YamlToJson(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return Convert(stream.Documents[0].RootNode);
    }

    private static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(kv =>
            KeyValuePair.Create(((YamlScalarNode)kv.Key).Value!, Convert(kv.Value)))),
        YamlSequenceNode seq => new JsonArray(seq.Children.Select(Convert).ToArray()),
        YamlScalarNode s when s.Style != ScalarStyle.Plain => JsonValue.Create(s.Value),
        YamlScalarNode s => Scalar(s.Value ?? ""),
        _ => null,
    };

    private static JsonValue? Scalar(string v)
    {
        if (v is "" or "~" or "null" or "Null" or "NULL")
        {
            return null;
        }

        if (YamlTrue().IsMatch(v))
        {
            return JsonValue.Create(true);
        }

        if (YamlFalse().IsMatch(v))
        {
            return JsonValue.Create(false);
        }

        if (long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
        {
            return JsonValue.Create(l);
        }

        if (double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
        {
            return JsonValue.Create(d);
        }

        return JsonValue.Create(v);
    }

    [GeneratedRegex("^(y|Y|yes|Yes|YES|true|True|TRUE|on|On|ON)$")]
    private static partial Regex YamlTrue();

    [GeneratedRegex("^(n|N|no|No|NO|false|False|FALSE|off|Off|OFF)$")]
    private static partial Regex YamlFalse();
}
