using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Choria.PluginGen;

/// <summary>How a plugin reaches the build: a project in the tree, a NuGet package, or the host itself (stock list only).</summary>
public enum PluginReferenceKind
{
    Project,
    Package,
    Builtin,
}

/// <summary>One entry of <c>plugins.yaml</c> or <c>user_plugins.yaml</c>.</summary>
/// <param name="Line">1-based line of the entry in <paramref name="File"/>, for errors and <c>#line</c>.</param>
public sealed record PluginEntry(
    string Name,
    PluginReferenceKind Reference,
    string Target,
    string? Version,
    string? TypeName,
    string? Kind,
    string File,
    int Line);

/// <summary>A list entry that cannot be built; the message names the file, line and entry.</summary>
public sealed class PluginListException(string message) : Exception(message);

/// <summary>
/// Reads the flat <c>name: reference</c> maps (docs/plugins.md). A reference is a relative <c>.csproj</c> path,
/// a NuGet package <c>Id@version</c>, or the long form <c>{project|package, version, type, kind}</c>.
/// </summary>
public static class PluginList
{
    /// <summary>Kinds the long form may declare, by the names docs/plugins.md uses, mapped to the SDK's <c>PluginType</c> member.</summary>
    public static IReadOnlyDictionary<string, string> Kinds { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["agent_provider"] = "AgentProvider",
        ["agent"] = "Agent",
        ["provision_target_resolver"] = "ProvisionTargetResolver",
        ["config_mutator"] = "ConfigMutator",
        ["machine_watcher"] = "MachineWatcher",
        ["data"] = "Data",
        ["machine"] = "Machine",
    };

    public static IReadOnlyList<PluginEntry> Parse(string text, string file)
    {
        CheckDuplicates(text, file);
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new PluginListException($"{file}:{e.Start.Line}: not valid YAML: {e.Message}");
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
        {
            return [];
        }

        if (stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new PluginListException($"{file}: must be a map of plugin name to project, package or builtin");
        }

        var entries = new List<PluginEntry>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (keyNode, value) in root.Children)
        {
            var line = (int)keyNode.Start.Line;
            var name = (keyNode as YamlScalarNode)?.Value ?? "";
            var where = $"{file}:{line}: plugin {name}";
            if (!IsValidName(name))
            {
                throw new PluginListException($"{file}:{line}: plugin name '{name}' must be lower case letters, digits and _ starting with a letter");
            }

            if (seen.TryGetValue(name, out var first))
            {
                throw new PluginListException($"{where}: listed twice (first on line {first})");
            }

            seen[name] = line;
            entries.Add(value switch
            {
                YamlScalarNode s => Short(name, s.Value ?? "", file, line, where),
                YamlMappingNode m => Long(name, m, file, line, where),
                _ => throw new PluginListException($"{where}: expected a project path, a package or a map"),
            });
        }

        return entries;
    }

    /// <summary>YAML parsers refuse a repeated key without naming it; the top-level keys are simple, so find it first.</summary>
    private static void CheckDuplicates(string text, string file)
    {
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || char.IsWhiteSpace(line[0]) || line[0] is '#' or '-' or '{' or '"' or '\'')
            {
                continue;
            }

            var name = line[..colon].Trim();
            if (!seen.TryAdd(name, i + 1))
            {
                throw new PluginListException($"{file}:{i + 1}: plugin {name}: listed twice (first on line {seen[name]})");
            }
        }
    }

    private static bool IsValidName(string name) =>
        name.Length > 0 && char.IsAsciiLetterLower(name[0]) && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_');

    private static PluginEntry Short(string name, string reference, string file, int line, string where)
    {
        if (reference.StartsWith("builtin", StringComparison.Ordinal))
        {
            var kind = reference.Length > "builtin".Length ? reference["builtin".Length..].TrimStart(':', ' ') : null;
            return new(name, PluginReferenceKind.Builtin, "", null, null, CheckKind(kind, where), file, line);
        }

        if (reference.EndsWith(".csproj", StringComparison.OrdinalIgnoreCase))
        {
            return new(name, PluginReferenceKind.Project, reference, null, null, null, file, line);
        }

        var at = reference.IndexOf('@', StringComparison.Ordinal);
        if (at <= 0 || at == reference.Length - 1)
        {
            throw new PluginListException($"{where}: '{reference}' is neither a .csproj path nor a NuGet package with a version (Id@1.2.3)");
        }

        return new(name, PluginReferenceKind.Package, reference[..at], reference[(at + 1)..], null, null, file, line);
    }

    private static PluginEntry Long(string name, YamlMappingNode map, string file, int line, string where)
    {
        string? Get(string key) => map.Children.TryGetValue(new YamlScalarNode(key), out var v) ? (v as YamlScalarNode)?.Value : null;
        var known = new HashSet<string>(["project", "package", "version", "type", "kind"], StringComparer.Ordinal);
        foreach (var key in map.Children.Keys.OfType<YamlScalarNode>().Select(k => k.Value ?? ""))
        {
            if (!known.Contains(key))
            {
                throw new PluginListException($"{where}: unknown key '{key}' (expected project, package, version, type, kind)");
            }
        }

        var project = Get("project");
        var package = Get("package");
        var version = Get("version");
        var kind = CheckKind(Get("kind"), where);
        var type = Get("type");
        return (project, package) switch
        {
            ({ Length: > 0 }, null) => new(name, PluginReferenceKind.Project, project, null, type, kind, file, line),
            (null, { Length: > 0 }) when !string.IsNullOrEmpty(version) => new(name, PluginReferenceKind.Package, package, version, type, kind, file, line),
            (null, { Length: > 0 }) => throw new PluginListException($"{where}: package {package} needs a version"),
            _ => throw new PluginListException($"{where}: needs exactly one of project or package"),
        };
    }

    private static string? CheckKind(string? kind, string where) =>
        kind is null || Kinds.ContainsKey(kind)
            ? kind
            : throw new PluginListException($"{where}: unknown kind '{kind}' (expected one of {string.Join(", ", Kinds.Keys)})");
}
