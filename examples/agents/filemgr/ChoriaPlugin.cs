using Choria.Sdk;

namespace Choria.Agents.Filemgr;

/// <summary>The entry class the choria build looks for: &lt;root namespace&gt;.ChoriaPlugin (docs/plugins.md).</summary>
public sealed class ChoriaPlugin() : AgentPlugin("filemgr", "1.0.0", context => new FilemgrAgent(context));
