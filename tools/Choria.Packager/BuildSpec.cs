using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Choria.Packager;

/// <summary>A buildspec or template that cannot be built; the message is the one the 2020 packager printed.</summary>
public sealed class PackagerException(string message) : Exception(message);

/// <summary>One compile target after the shallow merge over <c>defaults</c> (docs/packaging.md).</summary>
public sealed record CompileTarget(
    string Name,
    string Os,
    string Arch,
    string? Arm,
    string Output,
    IReadOnlyDictionary<string, string> Flags,
    IReadOnlyList<string> Pre,
    IReadOnlyList<string> Post,
    IReadOnlyList<string> Tags,
    IReadOnlyDictionary<string, string> Environment,
    string? Publish);

/// <summary>One package after the shallow merge; every property becomes a <c>{{cpkg_KEY}}</c> variable.</summary>
public sealed record PackageSpec(string Name, IReadOnlyDictionary<string, string> Properties)
{
    public string? Get(string key) => Properties.TryGetValue(key, out var v) ? v : null;
}

/// <summary>The section of <c>buildspec.yaml</c> chosen with <c>BUILD</c>.</summary>
public sealed record BuildDefinition(
    string Name,
    IReadOnlyDictionary<string, CompileTarget> Targets,
    IReadOnlyDictionary<string, PackageSpec> Packages);

/// <summary>
/// Reads <c>buildspec.yaml</c>: <c>flags_map</c> (accepted, ignored: .NET has no link-time symbols) and one section per
/// build with <c>compile_targets</c> and <c>packages</c>, each merged shallowly over its <c>defaults</c>.
/// </summary>
public static class BuildSpec
{
    public static BuildDefinition Load(string yaml, string build)
    {
        var root = Parse(yaml);
        if (!root.TryGetValue(build, out var section) || section is not Dictionary<string, object?> buildMap)
        {
            throw new PackagerException($"Unknown build {build}");
        }

        var targets = ReadTargets(Map(buildMap, "compile_targets"));
        // Package defaults fall back to the stock foss build's, so a custom build may name only what differs
        // (the upstream README example relies on that).
        var fallback = build != "foss" && root.TryGetValue("foss", out var foss) && foss is Dictionary<string, object?> fossMap
            ? Map(Map(fossMap, "packages"), "defaults")
            : [];
        var packages = ReadPackages(Map(buildMap, "packages"), fallback);
        return new BuildDefinition(build, targets, packages);
    }

    private static Dictionary<string, object?> Parse(string yaml)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new PackagerException($"buildspec.yaml:{e.Start.Line}: not valid YAML: {e.Message}");
        }

        if (stream.Documents.Count == 0 || Convert(stream.Documents[0].RootNode) is not Dictionary<string, object?> map)
        {
            throw new PackagerException("buildspec.yaml is not a map of builds");
        }

        return map;
    }

    private static object? Convert(YamlNode node) => node switch
    {
        YamlMappingNode m => m.Children.ToDictionary(kv => ((YamlScalarNode)kv.Key).Value ?? "", kv => Convert(kv.Value), StringComparer.Ordinal),
        YamlSequenceNode s => s.Children.Select(Convert).ToList(),
        YamlScalarNode { Value: var v } => v,
        _ => null,
    };

    private static Dictionary<string, object?> Map(Dictionary<string, object?> parent, string key) =>
        parent.TryGetValue(key, out var v) && v is Dictionary<string, object?> m ? m : [];

    private static Dictionary<string, CompileTarget> ReadTargets(Dictionary<string, object?> section)
    {
        var defaults = Map(section, "defaults");
        var result = new Dictionary<string, CompileTarget>(StringComparer.Ordinal);
        foreach (var (name, value) in section)
        {
            if (name == "defaults")
            {
                continue;
            }

            var own = value as Dictionary<string, object?> ?? [];
            var merged = new Dictionary<string, object?>(defaults, StringComparer.Ordinal);
            foreach (var (k, v) in own)
            {
                merged[k] = v;
            }

            // os and arch come from the named target only: a default OS would silently build every target for it.
            var os = Text(own, "os");
            var arch = Text(own, "arch");
            if (string.IsNullOrEmpty(os))
            {
                throw new PackagerException($"compile target {name}: No OS specified");
            }

            if (string.IsNullOrEmpty(arch))
            {
                throw new PackagerException($"compile target {name}: No architecture specified");
            }

            var output = Text(merged, "output");
            if (string.IsNullOrEmpty(output))
            {
                throw new PackagerException($"compile target {name}: No output specified");
            }

            result[name] = new CompileTarget(
                name, os, arch, Text(merged, "arm"), output,
                StringMap(merged, "flags", name), List(merged, "pre"), List(merged, "post"), List(merged, "tags"),
                StringMap(merged, "environment", name), Text(merged, "publish"));
        }

        return result;
    }

    private static Dictionary<string, PackageSpec> ReadPackages(Dictionary<string, object?> section, Dictionary<string, object?> fallback)
    {
        var defaults = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var source in new[] { fallback, Map(section, "defaults") })
        {
            foreach (var (k, v) in source)
            {
                if (v is string s)
                {
                    defaults[k] = s;
                }
            }
        }

        var result = new Dictionary<string, PackageSpec>(StringComparer.Ordinal);
        foreach (var (name, value) in section)
        {
            if (name == "defaults")
            {
                continue;
            }

            var merged = new Dictionary<string, string>(defaults, StringComparer.Ordinal);
            foreach (var (k, v) in value as Dictionary<string, object?> ?? [])
            {
                if (v is string s)
                {
                    merged[k] = s;
                }
            }

            result[name] = new PackageSpec(name, merged);
        }

        return result;
    }

    private static string? Text(Dictionary<string, object?> map, string key) => map.TryGetValue(key, out var v) ? v as string : null;

    private static List<string> List(Dictionary<string, object?> map, string key) =>
        map.TryGetValue(key, out var v) && v is List<object?> l ? l.OfType<string>().ToList() : [];

    private static Dictionary<string, string> StringMap(Dictionary<string, object?> map, string key, string target)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!map.TryGetValue(key, out var v) || v is null)
        {
            return result;
        }

        if (v is not Dictionary<string, object?> m)
        {
            throw new PackagerException($"compile target {target}: {key} must be a map");
        }

        foreach (var (k, value) in m)
        {
            result[k] = value as string ?? throw new PackagerException($"compile target {target}: {key} {k} must be a string");
        }

        return result;
    }
}
