using System.Linq;
using System.Threading;
using DmaDiscipline.CodeFixes.Editing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DmaDiscipline.CodeFixes.Mapping
{
    /// <summary>
    /// What the device does with the buffer whose address reaches a sink, read from the descriptor the
    /// address goes into — never from names:
    /// <list type="bullet">
    /// <item>the sink declared <c>[BusAddress(DeviceReads = …, DeviceWrites = …)]</c>;</item>
    /// <item>the WRITE bit (2) of the ring layout's flags (<c>VirtqDescFlags</c>, split and packed alike)
    /// given beside the address — an argument of the same call whose parameter has that type, or the
    /// flags member assigned beside the address member of the same descriptor;</item>
    /// <item>a parameter of the same call that the callee (in source, up to three calls deep) turns into
    /// that bit: a flags value passed on, or a <c>bool</c> choosing <c>Write</c> (<c>deviceWrites ? Write : None</c>).</item>
    /// </list>
    /// The bit is read from constants, <c>|</c>/<c>&amp;</c>, casts, <c>?:</c> and locals assigned once.
    /// Anything else is unknown: the fix then offers every direction, each named in its title.
    /// </summary>
    internal static class DescriptorDirection
    {
        internal const ulong WriteBit = 2; // VIRTQ_DESC_F_WRITE, the same bit in split and packed descriptors
        private const int MaxDepth = 3;

        public static DeviceAccess Of(SemanticModel model, ExpressionSyntax sink, CancellationToken cancellationToken)
        {
            var flagsType = model.Compilation.GetTypeByMetadataName(RuntimeSymbols.Namespace + ".Virtio.VirtqDescFlags");
            return At(model, sink, flagsType, 0, cancellationToken);
        }

        /// <summary>The access decided where <paramref name="address"/> is handed on: a call's argument or an assignment's value.</summary>
        private static DeviceAccess At(SemanticModel model, ExpressionSyntax address, INamedTypeSymbol? flagsType, int depth, CancellationToken cancellationToken)
        {
            var node = address.WalkUpParentheses();
            while (node.Parent is CastExpressionSyntax || node.Parent is ParenthesizedExpressionSyntax
                || node.Parent is BinaryExpressionSyntax add && add.IsKind(SyntaxKind.AddExpression) && add.Left == node
                || node.Parent is MemberAccessExpressionSyntax && node is ExpressionSyntax read && IsAddressValue(model, read, cancellationToken))
            {
                node = (ExpressionSyntax)node.Parent;
            }

            switch (node.Parent)
            {
                case ArgumentSyntax argument when argument.Parent is ArgumentListSyntax list && list.Parent is { } call
                    && model.GetSymbolInfo(call, cancellationToken).Symbol is IMethodSymbol target && argument.ParameterOf(target) is { } parameter:
                    {
                        var declared = Declared(model, parameter);
                        if (declared.IsKnown)
                        {
                            return declared;
                        }

                        // The layout's flags beside the address in the same call.
                        foreach (var other in list.Arguments)
                        {
                            if (other != argument && flagsType is not null && other.ParameterOf(target) is { } sibling
                                && SymbolEqualityComparer.Default.Equals(sibling.Type, flagsType))
                            {
                                return Bit(model, other.Expression, depth, cancellationToken);
                            }
                        }

                        // A callee in source: what its own descriptor says, in terms of this call's arguments.
                        return Translate(model, list, target, Inside(model.Compilation, target, parameter, flagsType, depth + 1, cancellationToken), cancellationToken);
                    }

                case AssignmentExpressionSyntax assignment when assignment.Right == node && assignment.IsKind(SyntaxKind.SimpleAssignmentExpression):
                    {
                        var declared = Declared(model, model.GetSymbolInfo(assignment.Left, cancellationToken).Symbol);
                        return declared.IsKnown ? declared : SiblingFlags(model, assignment, flagsType, cancellationToken);
                    }

                default:
                    return DeviceAccess.Unknown;
            }
        }

        /// <summary>
        /// <paramref name="node"/> read for its number: the <c>Value</c> of a bus or physical address (<c>address.Value</c> in a
        /// wrapper that takes a <c>DmaAddr</c> and gives its number to the descriptor) is that same address.
        /// </summary>
        private static bool IsAddressValue(SemanticModel model, ExpressionSyntax node, CancellationToken cancellationToken)
        {
            if (!(node.Parent is MemberAccessExpressionSyntax access) || access.Expression != node || access.Name.Identifier.ValueText != "Value"
                || !(model.GetSymbolInfo(access, cancellationToken).Symbol is IPropertySymbol value))
            {
                return false;
            }

            var symbols = RuntimeSymbols.From(model.Compilation);
            return RuntimeSymbols.Is(value.ContainingType, symbols.DmaAddr) || RuntimeSymbols.Is(value.ContainingType, symbols.PhysAddr);
        }

        /// <summary>Inside <paramref name="method"/> (in source): where <paramref name="address"/> is handed on, the access decided there.</summary>
        private static DeviceAccess Inside(Compilation compilation, IMethodSymbol method, IParameterSymbol address, INamedTypeSymbol? flagsType, int depth, CancellationToken cancellationToken)
        {
            if (depth > MaxDepth || method.DeclaringSyntaxReferences.Length != 1)
            {
                return DeviceAccess.Unknown;
            }

            var declaration = method.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken);
            if (!compilation.ContainsSyntaxTree(declaration.SyntaxTree))
            {
                return DeviceAccess.Unknown;
            }

            var model = compilation.GetSemanticModel(declaration.SyntaxTree);
            var own = method.OriginalDefinition.Parameters.FirstOrDefault(p => p.Ordinal == address.Ordinal);
            foreach (var name in declaration.DescendantNodes().OfType<IdentifierNameSyntax>())
            {
                if (name.Identifier.ValueText != address.Name || !SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(name, cancellationToken).Symbol, own))
                {
                    continue;
                }

                var access = At(model, name, flagsType, depth, cancellationToken);
                if (access.Kind != AccessKind.Unknown)
                {
                    return access;
                }
            }

            return DeviceAccess.Unknown;
        }

        /// <summary>A callee's answer in its parameters' terms, read with the caller's arguments.</summary>
        private static DeviceAccess Translate(SemanticModel model, ArgumentListSyntax arguments, IMethodSymbol target, DeviceAccess inner, CancellationToken cancellationToken)
        {
            switch (inner.Kind)
            {
                case AccessKind.WriteBitOf:
                    return ArgumentFor(arguments, target, inner.Parameter!) is { } flags ? Bit(model, flags, 0, cancellationToken) : DeviceAccess.Unknown;
                case AccessKind.When when inner.Condition is IdentifierNameSyntax condition
                    && model.Compilation.ContainsSyntaxTree(condition.SyntaxTree)
                    && model.Compilation.GetSemanticModel(condition.SyntaxTree).GetSymbolInfo(condition, cancellationToken).Symbol is IParameterSymbol chooser
                    && ArgumentFor(arguments, target, chooser) is { } choice:
                    {
                        var chosen = Truth(model, choice, cancellationToken);
                        return chosen.Kind switch
                        {
                            AccessKind.Writes => inner.WhenTrue!,
                            AccessKind.Reads => inner.WhenFalse!,
                            AccessKind.When => DeviceAccess.When(chosen.Condition!, inner.WhenTrue!, inner.WhenFalse!),
                            _ => DeviceAccess.Unknown,
                        };
                    }

                case AccessKind.When:
                    return DeviceAccess.Unknown;
                default:
                    return inner;
            }
        }

        private static ExpressionSyntax? ArgumentFor(ArgumentListSyntax arguments, IMethodSymbol target, IParameterSymbol parameter)
        {
            foreach (var argument in arguments.Arguments)
            {
                if (argument.ParameterOf(target) is { } p && p.Ordinal == parameter.Ordinal && p.Name == parameter.Name)
                {
                    return argument.Expression;
                }
            }

            return null;
        }

        /// <summary>What the sink's own <c>[BusAddress]</c> says.</summary>
        private static DeviceAccess Declared(SemanticModel model, ISymbol? sink)
        {
            var attributeType = model.Compilation.GetTypeByMetadataName(RuntimeSymbols.Namespace + ".BusAddressAttribute");
            if (sink is null || attributeType is null)
            {
                return DeviceAccess.Unknown;
            }

            var attributes = sink.GetAttributes();
            if (sink is IPropertySymbol { IsIndexer: false } property && property.SetMethod?.Parameters.FirstOrDefault() is { } value)
            {
                attributes = attributes.AddRange(value.GetAttributes());
            }

            foreach (var attribute in attributes.Where(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, attributeType)))
            {
                var reads = attribute.NamedArguments.Any(a => a.Key == "DeviceReads" && a.Value.Value is true);
                var writes = attribute.NamedArguments.Any(a => a.Key == "DeviceWrites" && a.Value.Value is true);
                if (reads || writes)
                {
                    return reads && writes ? DeviceAccess.ReadsAndWrites : writes ? DeviceAccess.Writes : DeviceAccess.Reads;
                }
            }

            return DeviceAccess.Unknown;
        }

        /// <summary><c>d.Addr = …</c> with <c>d.Flags = …</c> (the layout's flags) assigned in the same block, or the same object initializer.</summary>
        private static DeviceAccess SiblingFlags(SemanticModel model, AssignmentExpressionSyntax address, INamedTypeSymbol? flagsType, CancellationToken cancellationToken)
        {
            if (flagsType is null)
            {
                return DeviceAccess.Unknown;
            }

            if (address.Parent is InitializerExpressionSyntax initializer)
            {
                foreach (var sibling in initializer.Expressions.OfType<AssignmentExpressionSyntax>())
                {
                    if (sibling != address && IsFlagsMember(model, sibling.Left, flagsType, cancellationToken))
                    {
                        return Bit(model, sibling.Right, 0, cancellationToken);
                    }
                }

                return DeviceAccess.Unknown;
            }

            if (!(address.Left is MemberAccessExpressionSyntax addressMember) || !(address.Parent is ExpressionStatementSyntax statement) || !(statement.Parent is BlockSyntax block))
            {
                return DeviceAccess.Unknown;
            }

            var receiver = addressMember.Expression.WithoutTrivia().ToString();
            foreach (var other in block.Statements.OfType<ExpressionStatementSyntax>())
            {
                if (other.Expression is AssignmentExpressionSyntax { Left: MemberAccessExpressionSyntax member } sibling && sibling.IsKind(SyntaxKind.SimpleAssignmentExpression)
                    && member.Expression.WithoutTrivia().ToString() == receiver && IsFlagsMember(model, member, flagsType, cancellationToken))
                {
                    return Bit(model, sibling.Right, 0, cancellationToken);
                }
            }

            return DeviceAccess.Unknown;
        }

        private static bool IsFlagsMember(SemanticModel model, ExpressionSyntax member, INamedTypeSymbol flagsType, CancellationToken cancellationToken) =>
            model.GetSymbolInfo(member, cancellationToken).Symbol switch
            {
                IFieldSymbol field => SymbolEqualityComparer.Default.Equals(field.Type, flagsType),
                IPropertySymbol property => SymbolEqualityComparer.Default.Equals(property.Type, flagsType),
                _ => false,
            };

        /// <summary>The WRITE bit of a flags value.</summary>
        internal static DeviceAccess Bit(SemanticModel model, ExpressionSyntax expression, int depth, CancellationToken cancellationToken)
        {
            var constant = model.GetConstantValue(expression, cancellationToken);
            if (constant.HasValue && AsBits(constant.Value) is ulong bits)
            {
                return (bits & WriteBit) != 0 ? DeviceAccess.Writes : DeviceAccess.Reads;
            }

            switch (expression)
            {
                case ParenthesizedExpressionSyntax parenthesized:
                    return Bit(model, parenthesized.Expression, depth, cancellationToken);
                case CastExpressionSyntax cast:
                    return Bit(model, cast.Expression, depth, cancellationToken);
                case CheckedExpressionSyntax @checked:
                    return Bit(model, @checked.Expression, depth, cancellationToken);
                case BinaryExpressionSyntax either when either.IsKind(SyntaxKind.BitwiseOrExpression):
                    {
                        var left = Bit(model, either.Left, depth, cancellationToken);
                        var right = Bit(model, either.Right, depth, cancellationToken);
                        if (left.Kind == AccessKind.Writes || right.Kind == AccessKind.Writes)
                        {
                            return DeviceAccess.Writes;
                        }

                        return left.Kind == AccessKind.Reads ? right : right.Kind == AccessKind.Reads ? left : DeviceAccess.Unknown;
                    }

                case BinaryExpressionSyntax both when both.IsKind(SyntaxKind.BitwiseAndExpression):
                    {
                        foreach (var (mask, other) in new[] { (both.Left, both.Right), (both.Right, both.Left) })
                        {
                            var value = model.GetConstantValue(mask, cancellationToken);
                            if (value.HasValue && AsBits(value.Value) is ulong maskBits)
                            {
                                return (maskBits & WriteBit) == 0 ? DeviceAccess.Reads : Bit(model, other, depth, cancellationToken);
                            }
                        }

                        return DeviceAccess.Unknown;
                    }

                case ConditionalExpressionSyntax conditional:
                    return DeviceAccess.When(conditional.Condition, Bit(model, conditional.WhenTrue, depth, cancellationToken), Bit(model, conditional.WhenFalse, depth, cancellationToken));
                case IdentifierNameSyntax name:
                    switch (model.GetSymbolInfo(name, cancellationToken).Symbol)
                    {
                        case IParameterSymbol parameter when parameter.RefKind == RefKind.None:
                            return DeviceAccess.WriteBitOf(parameter);
                        case ILocalSymbol local when AssignedOnce(model, local, name, cancellationToken) is { } initializer:
                            return Bit(model, initializer, depth, cancellationToken);
                    }

                    return DeviceAccess.Unknown;
                default:
                    return DeviceAccess.Unknown;
            }
        }

        /// <summary>A bool argument as a choice: a constant, a negation, or the expression itself as the condition.</summary>
        private static DeviceAccess Truth(SemanticModel model, ExpressionSyntax expression, CancellationToken cancellationToken)
        {
            var constant = model.GetConstantValue(expression, cancellationToken);
            if (constant.HasValue && constant.Value is bool value)
            {
                return value ? DeviceAccess.Writes : DeviceAccess.Reads;
            }

            if (expression is PrefixUnaryExpressionSyntax not && not.IsKind(SyntaxKind.LogicalNotExpression))
            {
                return Truth(model, not.Operand, cancellationToken).Negated();
            }

            return DeviceAccess.When(expression, DeviceAccess.Writes, DeviceAccess.Reads);
        }

        /// <summary>The initializer of a local that nothing else assigns.</summary>
        private static ExpressionSyntax? AssignedOnce(SemanticModel model, ILocalSymbol local, SyntaxNode use, CancellationToken cancellationToken)
        {
            if (local.IsRef || !(local.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) is VariableDeclaratorSyntax { Initializer: { } initializer } declarator)
                || declarator.SyntaxTree != use.SyntaxTree || declarator.SpanStart > use.SpanStart)
            {
                return null;
            }

            var member = declarator.Ancestors().FirstOrDefault(a => a is MemberDeclarationSyntax || a is LocalFunctionStatementSyntax || a is AnonymousFunctionExpressionSyntax);
            return member is null || Stable.IsWritten(model, local, member, cancellationToken) ? null : initializer.Value;
        }

        private static ulong? AsBits(object? value) => value switch
        {
            byte b => b,
            sbyte sb => (ulong)sb,
            short s => (ulong)s,
            ushort us => us,
            int i => (ulong)i,
            uint ui => ui,
            long l => (ulong)l,
            ulong ul => ul,
            _ => null,
        };
    }
}
