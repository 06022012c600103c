using System.Text.Json;

namespace Choria.Sdk;

/// <summary>What the server gives an agent: identity, facts, its settings and logging.</summary>
public interface IAgentContext
{
    /// <summary>The server's <c>identity</c>.</summary>
    string Identity { get; }

    /// <summary>Version of the choria binary hosting the agent.</summary>
    string ServerVersion { get; }

    /// <summary>The server's current facts (an object; <c>{}</c> when there are none).</summary>
    JsonElement Facts { get; }

    /// <summary>The setting <c>plugin.&lt;agent&gt;.&lt;key&gt;</c>, or null when it is not set.</summary>
    string? Config(string key);

    /// <summary>A logger for the agent; messages carry the agent's name as category.</summary>
    Microsoft.Extensions.Logging.ILogger Logger { get; }

    TimeProvider Clock { get; }
}
