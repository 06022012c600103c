namespace Choria.Server.Agents;

/// <summary>Runs one mcorpc action; exceptions are caught by the framework and become status 5.</summary>
public delegate ValueTask<ActionReply> ActionHandler(ActionRequest request, CancellationToken cancellationToken);
