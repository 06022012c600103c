using System.Text.Json;
using System.Text.Unicode;

namespace Choria.Ddl;

/// <summary>Loads JSON DDLs from disk or from the built-in copies compiled into the assembly.</summary>
public static class DdlLoader
{
    private const string ResourcePrefix = "Choria.Ddl.Builtin.";

    /// <summary>Names of the DDLs embedded in this assembly (<c>choria_util</c>, <c>discovery</c>, <c>rpcutil</c>).</summary>
    public static IReadOnlyList<string> BuiltinNames { get; } = [.. typeof(DdlLoader).Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal) && n.EndsWith(".json", StringComparison.Ordinal))
        .Select(n => n[ResourcePrefix.Length..^".json".Length])
        .Order(StringComparer.Ordinal)];

    public static DdlLoadResult LoadBuiltin(string name)
    {
        var source = $"builtin:{name}";
        using var stream = typeof(DdlLoader).Assembly.GetManifestResourceStream(ResourcePrefix + name + ".json");
        if (stream is null)
        {
            return new DdlLoadResult(null, $"no built-in DDL named {name}", source);
        }

        using var ms = new MemoryStream();
        stream.CopyTo(ms);
        return Parse(ms.ToArray(), source);
    }

    public static DdlLoadResult LoadFile(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new DdlLoadResult(null, $"could not read {path}: {e.Message}", path);
        }

        return Parse(bytes, path);
    }

    /// <summary>Loads every <c>*.json</c> in <paramref name="directory"/> (sorted by file name); failures are returned, not thrown.</summary>
    public static IReadOnlyList<DdlLoadResult> LoadDirectory(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return [];
        }

        return [.. Directory.GetFiles(directory, "*.json").Order(StringComparer.Ordinal).Select(LoadFile)];
    }

    private static readonly JsonSerializerOptions s_indented = new(DdlJsonContext.Default.Options) { WriteIndented = true };

    /// <summary>The DDL as an indented JSON document (what <c>tool generate ddl</c> writes).</summary>
    public static string ToJson(AgentDdl ddl) => JsonSerializer.Serialize(ddl, s_indented.GetTypeInfo(typeof(AgentDdl))) + "\n";

    /// <summary>Reads a DDL document without the schema checks of <see cref="Parse"/> (to convert one that fails them); throws <see cref="JsonException"/>.</summary>
    public static AgentDdl? ReadUnchecked(ReadOnlySpan<byte> json) => JsonSerializer.Deserialize(json, DdlJsonContext.Default.AgentDdl);

    /// <summary>Parses and structurally validates a DDL document.</summary>
    public static DdlLoadResult Parse(ReadOnlySpan<byte> json, string source)
    {
        // Found by fuzzing: JsonDocument keeps a string that is not valid UTF-8 and throws only when it is read.
        if (!Utf8.IsValid(json))
        {
            return new DdlLoadResult(null, $"invalid DDL {source}: it is not valid UTF-8", source);
        }

        try
        {
            using var doc = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            var errors = DdlSchemaValidator.Validate(doc.RootElement);
            if (errors.Count > 0)
            {
                return new DdlLoadResult(null, $"invalid DDL {source}: {string.Join("; ", errors)}", source);
            }

            var ddl = doc.RootElement.Deserialize(DdlJsonContext.Default.AgentDdl);
            if (ddl is null)
            {
                return new DdlLoadResult(null, $"invalid DDL {source}: empty document", source);
            }

            return new DdlLoadResult(Normalise(ddl) with { Source = source }, null, source);
        }
        catch (JsonException e)
        {
            return new DdlLoadResult(null, $"invalid DDL {source}: {e.Message}", source);
        }

    }

    // A JSON null where the schema check does not look (found by fuzzing) becomes the empty value, never a null
    // that callers would trip over.
    private static AgentDdl Normalise(AgentDdl ddl) => ddl with
    {
        Metadata = ddl.Metadata ?? new DdlMetadata(),
        Actions = [.. (ddl.Actions ?? []).Where(a => a is not null).Select(a => a with
        {
            Display = string.IsNullOrEmpty(a.Display) ? "failed" : a.Display,
            Input = a.Input ?? [],
            Output = a.Output ?? [],
        })],
    };
}
