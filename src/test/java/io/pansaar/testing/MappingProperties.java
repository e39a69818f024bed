package io.pansaar.testing;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

/**
 * Every property a {@link ConfigMapping} interface reads, with its prefix and its {@link WithDefault} if it has one,
 * named by reflection as SmallRye Config derives the names: a method name in kebab case, or its {@link WithName}; a
 * nested interface adds a dotted level, and a {@code Map} adds {@value #MAP_KEY}, the pattern docs/configuration.md
 * writes for a segment's name.
 */
public final class MappingProperties {

    /** A map key's place in a property name. */
    public static final String MAP_KEY = "\"<name>\"";

    /** A quoted map key in a property as written: {@code ."avatars"}. */
    private static final Pattern QUOTED_KEY = Pattern.compile("\\.\"[^\"]*\"");

    private MappingProperties() {
    }

    /** Each property of the mapping, in name order, with its default. */
    public static Map<String, Optional<String>> of(Class<?> mapping) {
        Map<String, Optional<String>> properties = new TreeMap<>();
        collect(mapping.getAnnotation(ConfigMapping.class).prefix(), mapping, properties);
        return properties;
    }

    /** The mapping's name of a property as written: each quoted map key, a segment's name, becomes {@value #MAP_KEY}. */
    public static String nameOf(String property) {
        return QUOTED_KEY.matcher(property).replaceAll(Matcher.quoteReplacement("." + MAP_KEY));
    }

    private static void collect(String prefix, Class<?> group, Map<String, Optional<String>> properties) {
        for (Method method : group.getMethods()) {
            if (Modifier.isStatic(method.getModifiers()) || method.isDefault() || method.getParameterCount() > 0) {
                continue; // helpers, not settings
            }
            WithName withName = method.getAnnotation(WithName.class);
            String name = prefix + "." + (withName != null ? withName.value() : kebab(method.getName()));
            Type type = method.getGenericReturnType();
            if (isGroup(group, method.getReturnType())) {
                collect(name, method.getReturnType(), properties);
            } else if (method.getReturnType() == Map.class) {
                Type value = ((ParameterizedType) type).getActualTypeArguments()[1];
                if (value instanceof Class<?> valueClass && isGroup(group, valueClass)) {
                    collect(name + "." + MAP_KEY, valueClass, properties);
                } else {
                    properties.put(name + "." + MAP_KEY, Optional.empty());
                }
            } else if (method.getReturnType() == Optional.class
                    && ((ParameterizedType) type).getActualTypeArguments()[0] instanceof Class<?> inner
                    && isGroup(group, inner)) {
                collect(name, inner, properties);
            } else {
                properties.put(name, Optional.ofNullable(method.getAnnotation(WithDefault.class)).map(WithDefault::value));
            }
        }
    }

    /** A nested configuration group: an interface of the mapping's own, as opposed to a value type such as List. */
    private static boolean isGroup(Class<?> owner, Class<?> type) {
        return type.isInterface() && type.getPackageName().equals(owner.getPackageName());
    }

    private static String kebab(String methodName) {
        return methodName.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }
}
