namespace Choria.Sdk;

/// <summary>Builds one agent instance for a server; called once per server start.</summary>
public delegate Agent AgentFactory(IAgentContext context);
