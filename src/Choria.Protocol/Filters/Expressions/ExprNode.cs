namespace Choria.Protocol.Filters.Expressions;

internal abstract record ExprNode;

internal sealed record LiteralNode(object? Value) : ExprNode;

internal sealed record IdentifierNode(string Name) : ExprNode;

internal sealed record ArrayNode(IReadOnlyList<ExprNode> Items) : ExprNode;

internal sealed record MemberNode(ExprNode Target, string Name, bool Optional) : ExprNode;

internal sealed record IndexNode(ExprNode Target, ExprNode Index, bool Optional) : ExprNode;

internal sealed record CallNode(string Name, IReadOnlyList<ExprNode> Arguments) : ExprNode;

internal sealed record UnaryNode(string Operator, ExprNode Operand) : ExprNode;

internal sealed record BinaryNode(string Operator, ExprNode Left, ExprNode Right) : ExprNode;
