using System;
using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using DmaDiscipline.Analyzers.Symbols;

namespace DmaDiscipline.Analyzers.Publishing
{
    /// <summary>
    /// Does a method visibly return what its parameter carries — <c>return offered &amp; wanted;</c>, or through a
    /// local only ever given such a value — read from the syntax of its returns and of the locals they read, without
    /// binding the body nor running the address flow over it. The value-preserving question the generator asks of
    /// every public integer helper: binding each whole body was most of its cost on a driver project.
    /// <para>
    /// Only a certain yes is given; anything else (a call, a member, a local written or declared twice, a return the
    /// body might not reach, a shape the flow treats in its own way) is "not known", and the summary decides
    /// (<see cref="Flow.AddressSummaries.ReturnsParameter"/>), so what is published is the same. The operators follow
    /// the flow's (<c>AddressFlow.EvalCore</c>): arithmetic, or, xor and shifts carry; a mask with a small constant,
    /// comparisons and <c>!</c> do not; a cast keeps its operand's value but to bool or string; a sum whose parameter
    /// side is an index scaled by a constant (the flow's hard-coded table base) is not known. A constant the syntax
    /// cannot read (a named constant, a cast to a named type) is asked of the semantic model, one statement bound.
    /// </para>
    /// </summary>
    internal sealed class VisibleReturn
    {
        // Beyond this the flow might give up on the body (its limits), which the summary's answer would reflect.
        private const int MaxStatements = 64;
        private const int MaxDepth = 16;

        private readonly Compilation _compilation;
        private readonly Func<SyntaxTree, SemanticModel> _modelOf;
        private readonly CancellationToken _cancellationToken;

        /// <param name="modelOf">The model of a tree, shared with the summaries (a body they bind later reuses what was bound here).</param>
        public VisibleReturn(Compilation compilation, Func<SyntaxTree, SemanticModel> modelOf, CancellationToken cancellationToken)
        {
            _compilation = compilation;
            _modelOf = modelOf;
            _cancellationToken = cancellationToken;
        }

        /// <summary>True when a return the body certainly reaches gives back the value of parameter <paramref name="ordinal"/>; false when not known.</summary>
        public bool CarriesParameter(IMethodSymbol method, int ordinal)
        {
            if (method.DeclaringSyntaxReferences.Length != 1 || method.IsAsync || ordinal >= method.Parameters.Length
                || method.Parameters[ordinal].RefKind != RefKind.None
                || !(method.DeclaringSyntaxReferences[0].GetSyntax(_cancellationToken) is BaseMethodDeclarationSyntax declaration)
                || !_compilation.ContainsSyntaxTree(declaration.SyntaxTree))
            {
                return false;
            }

            SyntaxNode? body = (SyntaxNode?)declaration.Body ?? declaration.ExpressionBody;
            if (body is null || !(Names.Read(body) is { } names))
            {
                return false;
            }

            var parameters = new HashSet<string>(StringComparer.Ordinal);
            foreach (var parameter in method.Parameters)
            {
                parameters.Add(parameter.Name);
            }

            var question = new Question(this, declaration.SyntaxTree, method.Parameters[ordinal].Name, parameters, names);
            if (declaration.ExpressionBody is { } arrow)
            {
                return question.Carries(arrow.Expression, 0);
            }

            foreach (var statement in declaration.Body!.Statements)
            {
                switch (statement)
                {
                    case ReturnStatementSyntax { Expression: { } returned }:
                        // Later statements are not reached from here: the first return decides.
                        return question.Carries(returned, 0);
                    case LocalDeclarationStatementSyntax local when local.UsingKeyword.IsKind(SyntaxKind.None):
                    case ExpressionStatementSyntax _:
                    case EmptyStatementSyntax _:
                        break;
                    case IfStatementSyntax { Else: null } test when question.IsVariable(test.Condition):
                    case WhileStatementSyntax loop when question.IsVariable(loop.Condition):
                    case ForStatementSyntax { Condition: { } condition } when question.IsVariable(condition):
                    case CommonForEachStatementSyntax _:
                        // Its end is reached whenever it is (a jump inside it only adds paths).
                        break;
                    default:
                        // A statement that may not fall through (throw, return, switch, try, a block…): not known.
                        return false;
                }
            }

            return false;
        }

        /// <summary>Is the name, or a member or element of it, written here (or is it the receiver of a call)?</summary>
        private static bool IsWritten(IdentifierNameSyntax name)
        {
            SyntaxNode node = name;
            while (true)
            {
                switch (node.Parent)
                {
                    case ParenthesizedExpressionSyntax _:
                    case ArgumentSyntax { Parent: TupleExpressionSyntax }:
                    case TupleExpressionSyntax _:
                    case ElementAccessExpressionSyntax element when element.Expression == node:
                        node = node.Parent;
                        continue;
                    case MemberAccessExpressionSyntax access when access.Expression == node:
                        if (access.Parent is InvocationExpressionSyntax)
                        {
                            return true;
                        }

                        node = access;
                        continue;
                }

                break;
            }

            return node.Parent switch
            {
                AssignmentExpressionSyntax assignment => assignment.Left == node,
                PrefixUnaryExpressionSyntax prefix => !prefix.IsKind(SyntaxKind.UnaryMinusExpression) && !prefix.IsKind(SyntaxKind.UnaryPlusExpression)
                    && !prefix.IsKind(SyntaxKind.BitwiseNotExpression) && !prefix.IsKind(SyntaxKind.LogicalNotExpression),
                PostfixUnaryExpressionSyntax postfix => !postfix.IsKind(SyntaxKind.SuppressNullableWarningExpression),
                ArgumentSyntax argument => !argument.RefKindKeyword.IsKind(SyntaxKind.None),
                RefExpressionSyntax _ => true,
                _ => false,
            };
        }

        /// <summary>
        /// The body's names, by syntax: where each is declared (any kind of declaration), and whether it is written
        /// anywhere (assigned, incremented, given as ref/out/in, taken a reference to, deconstructed into, or the
        /// receiver of a call, which a <c>this ref</c> extension may write). Read per name asked, from the places the
        /// name occurs as a word in the body's text (<see cref="ByWords"/>), where the text allows that; else read whole,
        /// every node of the body (<see cref="ReadAll"/>). Both give the same answers (<c>VisibleReturnNamesTests</c>).
        /// </summary>
        internal sealed class Names
        {
            private readonly Dictionary<string, List<SyntaxNode>> _declared = new Dictionary<string, List<SyntaxNode>>(StringComparer.Ordinal);
            private readonly HashSet<string> _written = new HashSet<string>(StringComparer.Ordinal);

            // Set when the names are read per name: the body, its tree's text and span, and the names already read.
            private readonly SyntaxNode? _body;
            private readonly string? _text;
            private readonly int _start;
            private readonly int _end;
            private readonly HashSet<string>? _read;

            private Names()
            {
            }

            private Names(SyntaxNode body, string text, int start, int end)
            {
                _body = body;
                _text = text;
                _start = start;
                _end = end;
                _read = new HashSet<string>(StringComparer.Ordinal);
            }

            /// <summary>The declarations of <paramref name="name"/> in the body, in document order; false when it has none.</summary>
            public bool TryGetDeclarations(string name, out List<SyntaxNode> declarations)
            {
                ReadName(name);
                return _declared.TryGetValue(name, out declarations!);
            }

            /// <summary>Is <paramref name="name"/> (or a member or element of it) written anywhere in the body?</summary>
            public bool IsWritten(string name)
            {
                ReadName(name);
                return _written.Contains(name);
            }

            /// <summary>The body's names; null for an iterator, a query or a body too large.</summary>
            public static Names? Read(SyntaxNode body) => ByWords(body) ?? ReadAll(body);

            /// <summary>
            /// The body's names read per name asked: null (then <see cref="ReadAll"/> decides) when the text may spell a name
            /// otherwise than its value (a <c>\u</c> escape, a formatting character), may hold a query (the word <c>from</c>),
            /// or the body is an iterator or too large. Its statements are counted without entering an expression whose
            /// text holds no <c>=&gt;</c> nor <c>delegate</c>: only a lambda or anonymous method puts a statement in one.
            /// </summary>
            internal static Names? ByWords(SyntaxNode body)
            {
                var text = SourceWords.TextOf(body.SyntaxTree);
                var start = body.SpanStart;
                var end = Math.Min(body.Span.End, text.Length);
                if (end <= start || text.IndexOf("\\u", start, end - start, StringComparison.Ordinal) >= 0
                    || text.IndexOf("\\U", start, end - start, StringComparison.Ordinal) >= 0
                    || SourceWords.IndexOfWord(text, "from", start, end) >= 0)
                {
                    return null;
                }

                for (var i = start; i < end; i++)
                {
                    if (text[i] > '\u007F' && char.GetUnicodeCategory(text[i]) == System.Globalization.UnicodeCategory.Format)
                    {
                        return null;
                    }
                }

                if (SourceWords.IndexOfWord(text, "yield", start, end) >= 0 || MayHoldStatementsBeyond(text, start, end, MaxStatements))
                {
                    var statements = 0;
                    foreach (var node in body.DescendantNodes(node => !(node is ExpressionSyntax) || MayHoldFunction(text, node)))
                    {
                        if (node is YieldStatementSyntax || (node is StatementSyntax && ++statements > MaxStatements))
                        {
                            return null;
                        }
                    }
                }

                return new Names(body, text, start, end);
            }

            /// <summary>
            /// Can [start, end) hold more than <paramref name="limit"/> statements? Each statement has a token of its own among
            /// <c>;</c>, <c>{</c> (a block-bodied local function and its block share one: counted twice), <c>:</c> (a label) and the
            /// keywords that open the statements that have neither (<c>if</c>, <c>while</c>, <c>foreach</c>, <c>using</c>, <c>lock</c>,
            /// <c>fixed</c>, <c>try</c>, <c>checked</c>, <c>unchecked</c>, <c>unsafe</c>): their count, in comments and strings too,
            /// bounds the statements from above. False only when the bound is within the limit; then the body's nodes need not
            /// be counted.
            /// </summary>
            internal static bool MayHoldStatementsBeyond(string text, int start, int end, int limit)
            {
                var count = 0;
                for (var i = start; i < end; i++)
                {
                    var c = text[i];
                    switch (c)
                    {
                        case ';':
                        case ':':
                            count++;
                            break;
                        case '{':
                            count += 2;
                            break;
                        default:
                            if (c >= 'c' && c <= 'w' && (i == 0 || !SourceWords.IsWordChar(text[i - 1])) && OpensStatement(text, i, end))
                            {
                                count++;
                            }

                            break;
                    }

                    if (count > limit)
                    {
                        return true;
                    }
                }

                return false;
            }

            private static readonly string[] StatementKeywords = { "if", "while", "foreach", "using", "lock", "fixed", "try", "checked", "unchecked", "unsafe" };

            /// <summary>Does one of <see cref="StatementKeywords"/> start at <paramref name="at"/> as a whole word?</summary>
            private static bool OpensStatement(string text, int at, int end)
            {
                foreach (var keyword in StatementKeywords)
                {
                    if (at + keyword.Length <= end && string.CompareOrdinal(text, at, keyword, 0, keyword.Length) == 0
                        && (at + keyword.Length == end || !SourceWords.IsWordChar(text[at + keyword.Length])))
                    {
                        return true;
                    }
                }

                return false;
            }

            private static bool MayHoldFunction(string text, SyntaxNode expression)
            {
                var start = expression.SpanStart;
                var length = Math.Min(expression.Span.End, text.Length) - start;
                return length > 0 && (text.IndexOf("=>", start, length, StringComparison.Ordinal) >= 0
                    || text.IndexOf("delegate", start, length, StringComparison.Ordinal) >= 0);
            }

            /// <summary>The places the name occurs as a word: an identifier token there with that value is a use or a declaration of it.</summary>
            private void ReadName(string name)
            {
                if (_body is null || !_read!.Add(name))
                {
                    return;
                }

                for (var at = SourceWords.IndexOfWord(_text!, name, _start, _end); at >= 0; at = SourceWords.IndexOfWord(_text!, name, at + name.Length, _end))
                {
                    var token = _body.FindToken(at);
                    if (!token.IsKind(SyntaxKind.IdentifierToken) || !token.Span.Contains(at) || token.ValueText != name)
                    {
                        // In a comment, a string, a directive, or a longer name.
                        continue;
                    }

                    if (token.Parent is IdentifierNameSyntax use)
                    {
                        if (VisibleReturn.IsWritten(use))
                        {
                            _written.Add(name);
                        }
                    }
                    else if (token.Parent is { } parent && DeclaredBy(parent) == token)
                    {
                        Declare(name, parent);
                    }
                }
            }

            /// <summary>The name a node declares: the identifier of a local, a pattern or foreach variable, a caught exception, a parameter, a local function.</summary>
            private static SyntaxToken DeclaredBy(SyntaxNode node) => node switch
            {
                VariableDeclaratorSyntax declarator => declarator.Identifier,
                SingleVariableDesignationSyntax designation => designation.Identifier,
                ForEachStatementSyntax loop => loop.Identifier,
                CatchDeclarationSyntax caught => caught.Identifier,
                ParameterSyntax parameter => parameter.Identifier,
                LocalFunctionStatementSyntax function => function.Identifier,
                _ => default,
            };

            private void Declare(string name, SyntaxNode node)
            {
                if (!_declared.TryGetValue(name, out var list))
                {
                    _declared[name] = list = new List<SyntaxNode>();
                }

                list.Add(node);
            }

            /// <summary>The body's names, every node of it read; null for an iterator, a query or a body too large.</summary>
            internal static Names? ReadAll(SyntaxNode body)
            {
                var names = new Names();
                var statements = 0;
                foreach (var node in body.DescendantNodes())
                {
                    switch (node)
                    {
                        case YieldStatementSyntax _:
                        case QueryExpressionSyntax _:
                            return null;
                        case StatementSyntax _ when ++statements > MaxStatements:
                            return null;
                        case IdentifierNameSyntax name when VisibleReturn.IsWritten(name):
                            names._written.Add(name.Identifier.ValueText);
                            break;
                    }

                    var declared = DeclaredBy(node);
                    if (!declared.IsKind(SyntaxKind.None))
                    {
                        names.Declare(declared.ValueText, node);
                    }
                }

                return names;
            }
        }

        /// <summary>One method's question: its tree, the parameter asked about, and its body's names.</summary>
        private sealed class Question
        {
            private readonly VisibleReturn _owner;
            private readonly SyntaxTree _tree;
            private readonly string _parameter;
            private readonly HashSet<string> _parameters;
            private readonly Names _names;
            private SemanticModel? _model;

            /// <param name="parameter">The parameter asked about.</param>
            /// <param name="parameters">All the method's parameters (none of them is a constant).</param>
            public Question(VisibleReturn owner, SyntaxTree tree, string parameter, HashSet<string> parameters, Names names)
            {
                _owner = owner;
                _tree = tree;
                _parameter = parameter;
                _parameters = parameters;
                _names = names;
            }

            // Asked only where the syntax cannot tell: it binds the one statement around the node.
            private SemanticModel Model => _model ??= _owner._modelOf(_tree);

            /// <summary>Is the condition certainly not a constant: it reads a variable (by syntax), or else the model says so?</summary>
            public bool IsVariable(ExpressionSyntax condition) =>
                ReadsVariable(condition, 0) || !Model.GetConstantValue(condition, _owner._cancellationToken).HasValue;

            /// <summary>
            /// Does the expression read a parameter or a non-constant local, or call something — which no constant does?
            /// By syntax only; false when it cannot tell.
            /// </summary>
            private bool ReadsVariable(ExpressionSyntax expression, int depth)
            {
                if (depth > MaxDepth)
                {
                    return false;
                }

                switch (expression)
                {
                    case IdentifierNameSyntax name:
                        {
                            var text = name.Identifier.ValueText;
                            if (!_names.TryGetDeclarations(text, out var declarations))
                            {
                                return _parameters.Contains(text);
                            }

                            return declarations.Count == 1 && declarations[0] is VariableDeclaratorSyntax declarator
                                && declarator.Parent is VariableDeclarationSyntax declaration
                                && (declaration.Parent is ForStatementSyntax
                                    || (declaration.Parent is LocalDeclarationStatementSyntax statement && !statement.IsConst))
                                && InScope(declarator, name);
                        }

                    case InvocationExpressionSyntax invocation:
                        return !(invocation.Expression is IdentifierNameSyntax { Identifier.ValueText: "nameof" });
                    case ObjectCreationExpressionSyntax _:
                        return true;
                    case ParenthesizedExpressionSyntax parenthesized:
                        return ReadsVariable(parenthesized.Expression, depth + 1);
                    case CheckedExpressionSyntax @checked:
                        return ReadsVariable(@checked.Expression, depth + 1);
                    case CastExpressionSyntax cast:
                        return ReadsVariable(cast.Expression, depth + 1);
                    case BinaryExpressionSyntax binary when binary.IsKind(SyntaxKind.IsExpression) || binary.IsKind(SyntaxKind.AsExpression):
                        return ReadsVariable(binary.Left, depth + 1);
                    case BinaryExpressionSyntax binary:
                        return ReadsVariable(binary.Left, depth + 1) || ReadsVariable(binary.Right, depth + 1);
                    case PrefixUnaryExpressionSyntax unary:
                        return ReadsVariable(unary.Operand, depth + 1);
                    case PostfixUnaryExpressionSyntax unary:
                        return ReadsVariable(unary.Operand, depth + 1);
                    case ConditionalExpressionSyntax conditional:
                        return ReadsVariable(conditional.Condition, depth + 1) || ReadsVariable(conditional.WhenTrue, depth + 1)
                            || ReadsVariable(conditional.WhenFalse, depth + 1);
                    case MemberAccessExpressionSyntax access when access.IsKind(SyntaxKind.SimpleMemberAccessExpression):
                        return ReadsVariable(access.Expression, depth + 1);
                    case ElementAccessExpressionSyntax element:
                        return ReadsVariable(element.Expression, depth + 1);
                    default:
                        return false;
                }
            }

            /// <summary>Is the use inside the declared local's scope (the block of its declaration, or its for statement)?</summary>
            private static bool InScope(VariableDeclaratorSyntax declarator, SyntaxNode use)
            {
                var scope = declarator.Parent?.Parent is ForStatementSyntax loop ? loop : declarator.Parent?.Parent?.Parent;
                if (scope is null)
                {
                    return false;
                }

                for (var around = use.Parent; around is not null; around = around.Parent)
                {
                    if (around == scope)
                    {
                        return true;
                    }
                }

                return false;
            }

            /// <summary>Does the expression's value, as the flow computes it, certainly hold the parameter's?</summary>
            public bool Carries(ExpressionSyntax expression, int depth)
            {
                if (depth > MaxDepth)
                {
                    return false;
                }

                switch (expression)
                {
                    case ParenthesizedExpressionSyntax parenthesized:
                        return Carries(parenthesized.Expression, depth + 1);
                    case CheckedExpressionSyntax @checked:
                        return Carries(@checked.Expression, depth + 1);
                    case CastExpressionSyntax cast:
                        {
                            // The flow's conversion keeps its operand's value, but to bool or string.
                            var special = cast.Type is PredefinedTypeSyntax predefined
                                ? (predefined.Keyword.IsKind(SyntaxKind.BoolKeyword) ? SpecialType.System_Boolean
                                    : predefined.Keyword.IsKind(SyntaxKind.StringKeyword) ? SpecialType.System_String : SpecialType.None)
                                : Model.GetTypeInfo(cast.Type, _owner._cancellationToken).Type?.SpecialType ?? SpecialType.System_Boolean;
                            return special != SpecialType.System_Boolean && special != SpecialType.System_String && Carries(cast.Expression, depth + 1);
                        }

                    case IdentifierNameSyntax name when !_names.IsWritten(name.Identifier.ValueText):
                        {
                            var text = name.Identifier.ValueText;
                            if (!_names.TryGetDeclarations(text, out var declarations))
                            {
                                // No declaration in the body shadows it: the parameter itself.
                                return text == _parameter;
                            }

                            // A local declared once, with a value, and never written, read in its scope: it holds what it
                            // was declared with wherever it is read.
                            return declarations.Count == 1 && declarations[0] is VariableDeclaratorSyntax { Initializer: { } initializer } declarator
                                && declarator.Parent is VariableDeclarationSyntax { Type: not RefTypeSyntax, Parent: LocalDeclarationStatementSyntax { IsConst: false } statement }
                                && statement.UsingKeyword.IsKind(SyntaxKind.None)
                                && InScope(declarator, name)
                                && Carries(initializer.Value, depth + 1);
                        }

                    case BinaryExpressionSyntax binary:
                        return CarriesThrough(binary, depth);
                    case PrefixUnaryExpressionSyntax unary when unary.IsKind(SyntaxKind.UnaryMinusExpression) || unary.IsKind(SyntaxKind.UnaryPlusExpression)
                        || unary.IsKind(SyntaxKind.BitwiseNotExpression):
                        return Carries(unary.Operand, depth + 1);
                    case ConditionalExpressionSyntax conditional when IsVariable(conditional.Condition):
                        return Carries(conditional.WhenTrue, depth + 1) || Carries(conditional.WhenFalse, depth + 1);
                    default:
                        return false;
                }
            }

            private bool CarriesThrough(BinaryExpressionSyntax binary, int depth)
            {
                switch (binary.Kind())
                {
                    case SyntaxKind.AddExpression:
                    case SyntaxKind.SubtractExpression:
                    case SyntaxKind.MultiplyExpression:
                    case SyntaxKind.DivideExpression:
                    case SyntaxKind.BitwiseOrExpression:
                    case SyntaxKind.ExclusiveOrExpression:
                    case SyntaxKind.LeftShiftExpression:
                    case SyntaxKind.RightShiftExpression:
                    case SyntaxKind.UnsignedRightShiftExpression:
                        break;
                    case SyntaxKind.BitwiseAndExpression:
                        // Masking with a small constant gives an offset inside a page (the flow's rule); a constant the
                        // flow may read otherwise (not a plain integer) is not known.
                        if (!IsLargeOrNoConstant(binary.Left) || !IsLargeOrNoConstant(binary.Right))
                        {
                            return false;
                        }

                        break;
                    default:
                        return false;
                }

                // A side that is an index scaled by a constant may be dropped beside a hard-coded base: not known.
                var sum = binary.IsKind(SyntaxKind.AddExpression) || binary.IsKind(SyntaxKind.BitwiseOrExpression);
                return (!(sum && MayBeScaled(binary.Left, 0)) && Carries(binary.Left, depth + 1))
                    || (!(sum && MayBeScaled(binary.Right, 0)) && Carries(binary.Right, depth + 1));
            }

            /// <summary>Not a constant, or an integer constant above 0xFFFF or below zero (what the flow's small-constant test says no to).</summary>
            private bool IsLargeOrNoConstant(ExpressionSyntax operand)
            {
                if (ReadsVariable(operand, 0))
                {
                    return true;
                }

                var constant = operand is LiteralExpressionSyntax literal
                    ? new Optional<object?>(literal.Token.Value)
                    : Model.GetConstantValue(operand, _owner._cancellationToken);
                if (!constant.HasValue)
                {
                    return true;
                }

                switch (constant.Value)
                {
                    case int i: return i < 0 || i > 0xFFFF;
                    case uint ui: return ui > 0xFFFF;
                    case long l: return l < 0 || l > 0xFFFF;
                    case ulong ul: return ul > 0xFFFF;
                    default: return false;
                }
            }

            /// <summary>A product, shift or sum of them, under casts and parentheses: the shape of the flow's scaled index (taken wide).</summary>
            private static bool MayBeScaled(ExpressionSyntax expression, int depth)
            {
                while (expression is ParenthesizedExpressionSyntax || expression is CastExpressionSyntax || expression is CheckedExpressionSyntax)
                {
                    expression = expression switch
                    {
                        ParenthesizedExpressionSyntax parenthesized => parenthesized.Expression,
                        CastExpressionSyntax cast => cast.Expression,
                        _ => ((CheckedExpressionSyntax)expression).Expression,
                    };
                }

                return expression.IsKind(SyntaxKind.MultiplyExpression) || expression.IsKind(SyntaxKind.LeftShiftExpression)
                    || (expression is BinaryExpressionSyntax { RawKind: (int)SyntaxKind.AddExpression } add && depth < 8
                        && (MayBeScaled(add.Left, depth + 1) || MayBeScaled(add.Right, depth + 1)));
            }
        }
    }
}
