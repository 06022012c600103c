namespace Choria.Protocol.Filters.Expressions;

/// <summary>
/// Recursive-descent parser for the expr-lang subset (docs/server.md). Precedence, loosest first:
/// <c>|| or</c>, <c>&amp;&amp; and</c>, comparisons and word operators (<c>in matches contains
/// startsWith endsWith</c>, optionally negated with <c>not</c>), <c>+ -</c>, <c>* / %</c>, unary
/// <c>! not -</c>, postfix member/index access.
/// </summary>
internal sealed class ExprParser
{
    private const int MaxDepth = 100;

    // Binary chains are parsed in loops but evaluated recursively; bounding the node count keeps
    // a hostile "a||a||a||..." from overflowing the evaluator's stack.
    private const int MaxNodes = 1000;

    private static readonly HashSet<string> s_comparisons =
        new(StringComparer.Ordinal) { "==", "!=", "<", ">", "<=", ">=", "in", "matches", "contains", "startsWith", "endsWith" };

    private readonly List<ExprToken> _tokens;
    private int _pos;
    private int _depth;
    private int _nodes;

    private ExprParser(List<ExprToken> tokens) => _tokens = tokens;

    public static ExprNode Parse(string source)
    {
        var parser = new ExprParser(ExprLexer.Tokenize(source));
        var node = parser.ParseOr();
        if (parser.Current.Kind != ExprTokenKind.End)
        {
            throw new ExprException($"unexpected token '{parser.Current.Text}' at {parser.Current.Position}");
        }

        return node;
    }

    private ExprToken Current => _tokens[_pos];

    private bool IsOp(string text, int offset = 0)
    {
        var t = _tokens[Math.Min(_pos + offset, _tokens.Count - 1)];
        return (t.Kind == ExprTokenKind.Operator || t.Kind == ExprTokenKind.Identifier) && t.Text == text;
    }

    private ExprNode ParseOr()
    {
        var left = ParseAnd();
        while (IsOp("||") || IsOp("or"))
        {
            _pos++;
            left = Binary("||", left, ParseAnd());
        }

        return left;
    }

    private ExprNode ParseAnd()
    {
        var left = ParseComparison();
        while (IsOp("&&") || IsOp("and"))
        {
            _pos++;
            left = Binary("&&", left, ParseComparison());
        }

        return left;
    }

    private ExprNode ParseComparison()
    {
        var left = ParseAdditive();
        while (true)
        {
            var negate = false;
            if (IsOp("not") && s_comparisons.Contains(_tokens[Math.Min(_pos + 1, _tokens.Count - 1)].Text)
                && _tokens[_pos + 1].Kind == ExprTokenKind.Identifier)
            {
                negate = true;
                _pos++;
            }

            var t = Current;
            if (t.Kind is not (ExprTokenKind.Operator or ExprTokenKind.Identifier) || !s_comparisons.Contains(t.Text))
            {
                return left;
            }

            _pos++;
            ExprNode node = Binary(t.Text, left, ParseAdditive());
            left = negate ? new UnaryNode("!", node) : node;
        }
    }

    private ExprNode ParseAdditive()
    {
        var left = ParseMultiplicative();
        while (IsOp("+") || IsOp("-"))
        {
            var op = Current.Text;
            _pos++;
            left = Binary(op, left, ParseMultiplicative());
        }

        return left;
    }

    private ExprNode ParseMultiplicative()
    {
        var left = ParseUnary();
        while (IsOp("*") || IsOp("/") || IsOp("%"))
        {
            var op = Current.Text;
            _pos++;
            left = Binary(op, left, ParseUnary());
        }

        return left;
    }

    private ExprNode ParseUnary()
    {
        if (IsOp("!") || IsOp("not") || IsOp("-") || IsOp("+"))
        {
            var op = Current.Text == "not" ? "!" : Current.Text;
            _pos++;
            Enter();
            var operand = ParseUnary();
            _depth--;
            return new UnaryNode(op, operand);
        }

        return ParsePostfix(ParsePrimary());
    }

    private ExprNode ParsePostfix(ExprNode node)
    {
        while (true)
        {
            if (IsOp(".") || IsOp("?."))
            {
                var optional = Current.Text == "?.";
                _pos++;
                if (Current.Kind != ExprTokenKind.Identifier)
                {
                    // "?.[" is optional indexing.
                    if (optional && IsOp("["))
                    {
                        node = ParseIndex(node, optional: true);
                        continue;
                    }

                    throw new ExprException($"expected a member name at {Current.Position}");
                }

                CountNode();
                node = new MemberNode(node, Current.Text, optional);
                _pos++;
            }
            else if (IsOp("["))
            {
                node = ParseIndex(node, optional: false);
            }
            else
            {
                return node;
            }
        }
    }

    private IndexNode ParseIndex(ExprNode target, bool optional)
    {
        CountNode();
        _pos++;
        Enter();
        var index = ParseOr();
        _depth--;
        Expect("]");
        return new IndexNode(target, index, optional);
    }

    private ExprNode ParsePrimary()
    {
        var t = Current;
        switch (t.Kind)
        {
            case ExprTokenKind.Number or ExprTokenKind.String:
                _pos++;
                return new LiteralNode(t.Literal);
            case ExprTokenKind.Identifier:
                _pos++;
                switch (t.Text)
                {
                    case "true": return new LiteralNode(true);
                    case "false": return new LiteralNode(false);
                    case "nil": return new LiteralNode(null);
                }

                if (IsOp("("))
                {
                    return new CallNode(t.Text, ParseList(")"));
                }

                return new IdentifierNode(t.Text);
            case ExprTokenKind.Operator when t.Text == "(":
                _pos++;
                Enter();
                var inner = ParseOr();
                _depth--;
                Expect(")");
                return inner;
            case ExprTokenKind.Operator when t.Text == "[":
                return new ArrayNode(ParseList("]"));
            default:
                throw new ExprException(t.Kind == ExprTokenKind.End ? "unexpected end of expression" : $"unexpected token '{t.Text}' at {t.Position}");
        }
    }

    private List<ExprNode> ParseList(string close)
    {
        _pos++;
        Enter();
        var items = new List<ExprNode>();
        if (!IsOp(close))
        {
            items.Add(ParseOr());
            while (IsOp(","))
            {
                _pos++;
                items.Add(ParseOr());
            }
        }

        _depth--;
        Expect(close);
        return items;
    }

    private void Expect(string text)
    {
        if (!IsOp(text))
        {
            throw new ExprException($"expected '{text}' at {Current.Position}");
        }

        _pos++;
    }

    private BinaryNode Binary(string op, ExprNode left, ExprNode right)
    {
        CountNode();
        return new BinaryNode(op, left, right);
    }

    private void CountNode()
    {
        if (++_nodes > MaxNodes)
        {
            throw new ExprException("expression too large");
        }
    }

    private void Enter()
    {
        if (++_depth > MaxDepth)
        {
            throw new ExprException("expression nested too deeply");
        }
    }
}
