namespace Choria.Sdk;

/// <summary>The entry class of an agent plugin: names the agent, its version and how to build it.</summary>
/// <example><code>public sealed class ChoriaPlugin() : AgentPlugin("hello", "1.0.0", ctx => new HelloAgent(ctx));</code></example>
public class AgentPlugin(string name, string version, AgentFactory factory) : IPluggable
{
    public object PluginInstance => factory;

    public string PluginName => name;

    public PluginType PluginType => PluginType.Agent;

    public string PluginVersion => version;
}
