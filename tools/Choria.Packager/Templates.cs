using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Choria.Packager;

/// <summary>One file a template puts into the package.</summary>
/// <param name="Source">File of the template, or <see cref="Template.BinarySource"/> for the compiled binary.</param>
/// <param name="Path">Templated absolute path inside the package.</param>
/// <param name="Config">A configuration file: rpm <c>%config(noreplace)</c>, Debian conffile.</param>
/// <param name="ManagedConfig">Shipped only when the package's <c>manage_conf</c> is <c>1</c>.</param>
public sealed record TemplateFile(string Source, string Path, string Mode, bool Config, bool ManagedConfig);

/// <summary>
/// A package template: the files of <c>packager/templates/common</c>, <c>&lt;family&gt;/global</c> and
/// <c>&lt;family&gt;/&lt;name&gt;</c> (a later file of the same name wins) and the latter's <c>config.yaml</c>: format,
/// required properties, template variables and the file layout.
/// </summary>
public sealed record Template(
    string Name,
    string Format,
    IReadOnlyList<string> RequiredProperties,
    IReadOnlyList<TemplateFile> Files,
    IReadOnlyDictionary<string, string> Sources,
    IReadOnlyDictionary<string, string> Variables)
{
    public const string BinarySource = "@binary";

    public static bool Exists(string templatesRoot, string name) =>
        !name.Contains("..", StringComparison.Ordinal) && Directory.Exists(Path.Combine(templatesRoot, name));

    public static Template Load(string templatesRoot, string name)
    {
        var dir = Path.Combine(templatesRoot, name);
        if (!Exists(templatesRoot, name))
        {
            throw new PackagerException($"Unknown template {name}");
        }

        var configPath = Path.Combine(dir, "config.yaml");
        if (!File.Exists(configPath))
        {
            throw new PackagerException($"Template has no config.yaml in {dir}");
        }

        var sources = new Dictionary<string, string>(StringComparer.Ordinal);
        var global = Path.Combine(Path.GetDirectoryName(dir)!, "global");
        foreach (var d in new[] { Path.Combine(templatesRoot, "common"), global, dir })
        {
            if (!Directory.Exists(d))
            {
                continue;
            }

            foreach (var f in Directory.GetFiles(d))
            {
                if (Path.GetFileName(f) != "config.yaml")
                {
                    sources[Path.GetFileName(f)] = File.ReadAllText(f);
                }
            }
        }

        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(File.ReadAllText(configPath)));
        }
        catch (YamlException e)
        {
            throw new PackagerException($"{configPath}:{e.Start.Line}: not valid YAML: {e.Message}");
        }

        var root = stream.Documents.Count > 0 ? stream.Documents[0].RootNode as YamlMappingNode : null;
        if (root is null)
        {
            throw new PackagerException($"{configPath}: not a map");
        }

        var format = Scalar(root, "format") ?? throw new PackagerException($"{configPath}: no format (rpm or deb)");
        if (format is not ("rpm" or "deb"))
        {
            throw new PackagerException($"{configPath}: unknown format {format} (rpm or deb)");
        }

        var required = Sequence(root, "required_properties").OfType<YamlScalarNode>().Select(n => n.Value ?? "").ToList();
        var files = new List<TemplateFile>();
        foreach (var node in Sequence(root, "files").OfType<YamlMappingNode>())
        {
            var source = Scalar(node, "source") ?? throw new PackagerException($"{configPath}: a file without source");
            if (source != BinarySource && !sources.ContainsKey(source))
            {
                throw new PackagerException($"{configPath}: file {source} is not in the template");
            }

            files.Add(new TemplateFile(
                source,
                Scalar(node, "path") ?? throw new PackagerException($"{configPath}: file {source} has no path"),
                Scalar(node, "mode") ?? "0644",
                Scalar(node, "config") == "true",
                Scalar(node, "manage_conf") == "true"));
        }

        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        if (root.Children.TryGetValue(new YamlScalarNode("variables"), out var v) && v is YamlMappingNode vars)
        {
            foreach (var (key, value) in vars.Children)
            {
                variables[((YamlScalarNode)key).Value ?? ""] = (value as YamlScalarNode)?.Value ?? "";
            }
        }

        return new Template(name, format, required, files, sources, variables);
    }

    private static string? Scalar(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var v) && v is YamlScalarNode s ? s.Value : null;

    private static IEnumerable<YamlNode> Sequence(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var v) && v is YamlSequenceNode s ? s.Children : [];
}
