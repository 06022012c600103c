using System.Text.Json.Serialization;

namespace Choria.Provisioner;

[JsonSerializable(typeof(IReadOnlyDictionary<string, string>))]
internal sealed partial class ProvisionerJsonContext : JsonSerializerContext;
