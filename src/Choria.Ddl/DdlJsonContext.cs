using System.Text.Json.Serialization;

namespace Choria.Ddl;

/// <summary>Source-generated (AOT safe) JSON metadata for DDL documents.</summary>
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip,
    AllowTrailingCommas = true)]
[JsonSerializable(typeof(AgentDdl))]
internal sealed partial class DdlJsonContext : JsonSerializerContext;
