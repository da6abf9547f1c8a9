//! A small builder for update expressions, so each write states its clauses, not string plumbing.

use super::client::Item;
use aws_sdk_dynamodb::types::AttributeValue;
use std::collections::HashMap;

#[derive(Debug, Default, Clone)]
pub struct UpdateSpec {
    set: Vec<String>,
    add: Vec<String>,
    remove: Vec<String>,
    pub(crate) values: Item,
}

impl UpdateSpec {
    pub fn new() -> Self {
        Self::default()
    }

    /// `SET attr = :attr`
    pub fn set(mut self, attr: &str, value: AttributeValue) -> Self {
        self.set.push(format!("{attr} = :{attr}"));
        self.values.insert(format!(":{attr}"), value);
        self
    }

    /// `SET attr = if_not_exists(attr, :attr)`: the first writer's value stays.
    pub fn set_if_absent(mut self, attr: &str, value: AttributeValue) -> Self {
        self.set.push(format!("{attr} = if_not_exists({attr}, :{attr})"));
        self.values.insert(format!(":{attr}"), value);
        self
    }

    /// `SET attr = list_append(if_not_exists(attr, []), :attr)`: add to a list, made if absent.
    pub fn append(mut self, attr: &str, items: Vec<AttributeValue>) -> Self {
        self.set.push(format!("{attr} = list_append(if_not_exists({attr}, :{attr}_empty), :{attr})"));
        self.values.insert(format!(":{attr}"), AttributeValue::L(items));
        self.values.insert(format!(":{attr}_empty"), AttributeValue::L(Vec::new()));
        self
    }

    /// `SET attr = :attr` when there is a value, `REMOVE attr` when there is none.
    pub fn set_or_remove(self, attr: &str, value: Option<AttributeValue>) -> Self {
        match value {
            Some(v) => self.set(attr, v),
            None => self.remove(attr),
        }
    }

    /// `ADD attr :attr` — atomic counter arithmetic, safe under concurrent writers.
    pub fn add(mut self, attr: &str, amount: i64) -> Self {
        self.add.push(format!("{attr} :{attr}"));
        self.values.insert(format!(":{attr}"), AttributeValue::N(amount.to_string()));
        self
    }

    pub fn remove(mut self, attr: &str) -> Self {
        self.remove.push(attr.to_string());
        self
    }

    /// Whether a SET, ADD or REMOVE clause names `attr`.
    pub fn mentions(&self, attr: &str) -> bool {
        let named = |clause: &String| clause.split(' ').next() == Some(attr);
        self.set.iter().chain(&self.add).chain(&self.remove).any(named)
    }

    /// `SET attr = :attr` for every attribute of `item` no clause names yet: an update that makes
    /// the whole item when it does not exist.
    pub fn set_missing_from(mut self, item: Item) -> Self {
        for (attr, value) in item {
            if attr != super::keys::PK && attr != super::keys::SK && !self.mentions(&attr) {
                self = self.set(&attr, value);
            }
        }
        self
    }

    /// A value used by the condition expression.
    pub fn condition_value(mut self, placeholder: &str, value: AttributeValue) -> Self {
        self.values.insert(placeholder.to_string(), value);
        self
    }

    pub fn expression(&self) -> String {
        let mut parts = Vec::new();
        if !self.set.is_empty() {
            parts.push(format!("SET {}", self.set.join(", ")));
        }
        if !self.add.is_empty() {
            parts.push(format!("ADD {}", self.add.join(", ")));
        }
        if !self.remove.is_empty() {
            parts.push(format!("REMOVE {}", self.remove.join(", ")));
        }
        parts.join(" ")
    }

    pub fn values(&self) -> Option<HashMap<String, AttributeValue>> {
        (!self.values.is_empty()).then(|| self.values.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clauses_are_grouped_by_kind() {
        let spec = UpdateSpec::new()
            .set("a", AttributeValue::S("x".into()))
            .add("turn_count", 1)
            .set_or_remove("b", None)
            .set("c", AttributeValue::N("2".into()));
        assert_eq!(spec.expression(), "SET a = :a, c = :c ADD turn_count :turn_count REMOVE b");
        assert_eq!(spec.values().unwrap().len(), 3);
        assert!(spec.mentions("turn_count") && spec.mentions("b") && !spec.mentions("turn"));
    }

    #[test]
    fn missing_attributes_are_set_from_an_item_and_named_ones_kept() {
        let item: Item = [
            ("pk".to_string(), AttributeValue::S("P".into())),
            ("turn_count".to_string(), AttributeValue::N("0".into())),
            ("user_id".to_string(), AttributeValue::S("u".into())),
        ]
        .into();
        let spec = UpdateSpec::new().add("turn_count", 2).set_missing_from(item);
        assert_eq!(spec.expression(), "SET user_id = :user_id ADD turn_count :turn_count");
    }

    #[test]
    fn first_writer_wins_and_lists_grow() {
        let spec = UpdateSpec::new()
            .set_if_absent("first_response_at", AttributeValue::S("t".into()))
            .append("card_notes", vec![AttributeValue::S("n".into())]);
        assert_eq!(
            spec.expression(),
            "SET first_response_at = if_not_exists(first_response_at, :first_response_at), \
             card_notes = list_append(if_not_exists(card_notes, :card_notes_empty), :card_notes)"
        );
    }
}
