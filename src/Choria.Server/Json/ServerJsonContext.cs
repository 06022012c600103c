using System.Text.Json.Serialization;
using Choria.Server.Agents;

namespace Choria.Server.Json;

/// <summary>Source-generated (AOT safe) JSON metadata for the server's agent layer.</summary>
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip,
    AllowTrailingCommas = true)]
[JsonSerializable(typeof(AgentMetadata))]
[JsonSerializable(typeof(RpcRequestBody))]
[JsonSerializable(typeof(System.Text.Json.Nodes.JsonObject))]
internal sealed partial class ServerJsonContext : JsonSerializerContext;
